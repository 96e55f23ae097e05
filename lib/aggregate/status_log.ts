/**
 * What the log says about sources, for someone reading it at 3 a.m.: a
 * source going bad (stale, error, its breaker open) and recovering, each
 * once, as it happens; and while anything stays broken, one summary line
 * every few minutes instead of a line per retry.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Clock, TimerId } from "../time/mod.ts";

/** Options for {@linkcode SourceStatusLog}. */
export interface SourceStatusLogOptions {
  log: Logger;
  clock: Clock;
  /**
   * How often the summary of what is still broken is written, ms.
   * @default {300000}
   */
  summaryEveryMs?: number;
}

type Shown = { status?: unknown; error?: unknown; failingSince?: unknown };

const BAD = new Set(["stale", "error", "open"]);

/**
 * Watches each new P&L state and logs the changes of its sources.
 *
 * @example A source failing, then recovering: two lines
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "@/lib/log.ts";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { SourceStatusLog } from "@/lib/aggregate/status_log.ts";
 * const lines: string[] = [];
 * const clock = new FakeClock();
 * const log = createLogger({ now: () => clock.now(), write: (l) => lines.push(l) });
 * using watch = new SourceStatusLog({ log, clock });
 * watch.observe({ sources: { s: { status: "ok" } } });
 * watch.observe({ sources: { s: { status: "stale", error: "refused" } } });
 * watch.observe({ sources: { s: { status: "stale", error: "refused" } } });
 * watch.observe({ sources: { s: { status: "ok" } } });
 * assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ["source failing", "source recovered"]);
 * ```
 */
export class SourceStatusLog implements Disposable {
  #o: SourceStatusLogOptions;
  #last = new Map<string, { status: string; since: number; error?: string }>();
  #timer?: TimerId;

  /** Creates the watcher. */
  constructor(options: SourceStatusLogOptions) {
    this.#o = options;
  }

  /** Takes a new state and logs what changed. */
  observe(state: unknown): void {
    const { log, clock } = this.#o;
    const sources = (state as { sources?: Record<string, Shown> })?.sources ??
      {};
    for (const [id, s] of Object.entries(sources)) {
      const status = typeof s.status === "string" ? s.status : "error";
      const error = typeof s.error === "string" ? s.error : undefined;
      const before = this.#last.get(id);
      if (before?.status === status) continue;
      const now = clock.now();
      const wasBad = before !== undefined && BAD.has(before.status);
      if (BAD.has(status) && !wasBad) {
        log.warn("source failing", { source: id, status, error });
      } else if (!BAD.has(status) && wasBad) {
        log.info("source recovered", {
          source: id,
          status,
          afterS: Math.round((now - before.since) / 1000),
        });
      } else if (BAD.has(status)) {
        log.debug("source still failing", { source: id, status, error });
      }
      const keep = BAD.has(status) && wasBad ? before.since : now;
      this.#last.set(id, { status, since: keep, ...(error ? { error } : {}) });
    }
    this.#schedule();
  }

  /** Stops the summaries. */
  [Symbol.dispose](): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #broken(): [string, { status: string; since: number; error?: string }][] {
    return [...this.#last].filter(([, s]) => BAD.has(s.status));
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#broken().length === 0) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      const broken = this.#broken();
      if (broken.length === 0) return;
      const now = this.#o.clock.now();
      this.#o.log.warn("still failing", {
        sources: broken.map(([id, s]) =>
          `${id} ${s.status} for ${Math.round((now - s.since) / 60_000)} min${
            s.error ? `: ${s.error}` : ""
          }`
        ).join("; "),
      });
      this.#schedule();
    }, this.#o.summaryEveryMs ?? 300_000);
  }
}
