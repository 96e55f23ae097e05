/**
 * The client rule of PROTOCOL.md as a pure function: what a state envelope
 * does to the local view of a topic.
 *
 * @module
 */
import {
  applyMergePatch,
  type JsonObject,
  type StateEnvelope,
} from "../protocol/mod.ts";

/** A client's copy of one topic. */
export interface TopicView {
  /** The epoch of `seq`. */
  readonly epoch: string;
  /** The last applied seq. */
  readonly seq: number;
  /** The state at `seq`. */
  readonly data: JsonObject;
}

/** What an envelope did. */
export type ApplyOutcome =
  /** A snapshot replaced the view. */
  | "snapshot"
  /** A delta was applied. */
  | "applied"
  /** A delta at or below the local seq was ignored. */
  | "duplicate"
  /** A delta that cannot be applied: resubscribe from the local position. */
  | "gap";

/**
 * Applies a snapshot or delta to a view, per PROTOCOL.md's client rule.
 *
 * @param view The local view, or `undefined` before the first snapshot.
 * @param envelope The received envelope.
 * @returns The next view and what happened.
 *
 * @example Apply, ignore a duplicate, detect a gap
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyEnvelope } from "@/lib/client/topic_view.ts";
 * const view = { epoch: "e123", seq: 1, data: { n: 1 } };
 * const d = (base: number, seq: number) =>
 *   ({ type: "delta" as const, topic: "t", epoch: "e123", base, seq, ts: "", patch: { n: seq } });
 * assert.equal(applyEnvelope(view, d(1, 2)).outcome, "applied");
 * assert.equal(applyEnvelope(view, d(0, 1)).outcome, "duplicate");
 * assert.equal(applyEnvelope(view, d(3, 4)).outcome, "gap");
 * ```
 */
export function applyEnvelope(
  view: TopicView | undefined,
  envelope: StateEnvelope,
): { view: TopicView | undefined; outcome: ApplyOutcome } {
  if (envelope.type === "snapshot") {
    return {
      view: { epoch: envelope.epoch, seq: envelope.seq, data: envelope.data },
      outcome: "snapshot",
    };
  }
  if (!view || envelope.epoch !== view.epoch) return { view, outcome: "gap" };
  if (envelope.seq <= view.seq) return { view, outcome: "duplicate" };
  if (envelope.base !== view.seq) return { view, outcome: "gap" };
  return {
    view: {
      epoch: view.epoch,
      seq: envelope.seq,
      data: applyMergePatch(view.data, envelope.patch) as JsonObject,
    },
    outcome: "applied",
  };
}
