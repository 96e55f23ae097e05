/**
 * A source's run of read outcomes, for what the board says of a failing
 * source: "last success 10:03, 12 min ago; next try in 20 s". A healthy
 * source's report gets none of these fields, so a quiet source publishes
 * nothing new between changes.
 *
 * @module
 */
import { isoTime } from "../time/mod.ts";
import type { SourceReport } from "./pnl_state.ts";

/** What is remembered of a source's reads. */
export interface OutcomeTrack {
  /** When a read last succeeded, epoch ms. */
  lastSuccessAt?: number;
  /** When the current run of failures began, epoch ms. */
  failingSince?: number;
}

/**
 * Notes a read's outcome and, while the source fails, tells its report
 * when it last succeeded, since when it fails and when the next try is.
 *
 * @param track The source's track (updated).
 * @param report The read's report (given the failure fields).
 * @param now The time now, epoch ms.
 * @param nextTryInMs How long until the next try, when one is scheduled.
 *
 * @example A failure after a success
 * ```ts
 * import assert from "node:assert/strict";
 * import { noteOutcome } from "@/lib/aggregate/outcome_track.ts";
 * import type { SourceReport } from "@/lib/aggregate/mod.ts";
 * const track = {};
 * const ok: SourceReport = { kind: "t", role: "revenue", status: "ok", origin: "live" };
 * noteOutcome(track, ok, 0);
 * const failed: SourceReport = { ...ok, status: "stale" };
 * noteOutcome(track, failed, 60_000, 20_000);
 * assert.equal(failed.lastSuccessAt, "1970-01-01T00:00:00.000Z");
 * assert.equal(failed.nextReadAt, "1970-01-01T00:01:20.000Z");
 * ```
 */
export function noteOutcome(
  track: OutcomeTrack,
  report: SourceReport,
  now: number,
  nextTryInMs?: number,
): void {
  if (report.status === "ok" || report.status === "syncing") {
    track.lastSuccessAt = now;
    track.failingSince = undefined;
    return;
  }
  track.failingSince ??= now;
  if (track.lastSuccessAt !== undefined) {
    report.lastSuccessAt = isoTime(track.lastSuccessAt);
  }
  report.failingSince = isoTime(track.failingSince);
  if (nextTryInMs !== undefined) {
    report.nextReadAt = isoTime(now + Math.max(0, nextTryInMs));
  }
}
