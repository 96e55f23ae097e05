/**
 * Composing a catch-up: the deltas a subscriber missed, folded into one
 * delta (RFC 7396 patches compose), so a slow client gets one message
 * instead of hundreds, unless the whole state is smaller.
 *
 * @module
 */
import {
  composeMergePatches,
  type DeltaEnvelope,
  type JsonObject,
  type SnapshotEnvelope,
} from "../protocol/mod.ts";
import { createHubMessage, type HubMessage } from "./hub_message.ts";

/**
 * One delta from `since` to the last of `missed`, or `undefined` when
 * there is nothing to compose or it would not be smaller than `snapshot`.
 *
 * @param missed The deltas after `since`, in order.
 * @param since The seq the subscriber holds.
 * @param snapshot The topic's snapshot at the same seq.
 * @returns The delta (the only missed one itself, when there is one).
 *
 * @example Two deltas become one
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHubMessage } from "@/lib/stream/hub_message.ts";
 * import { composeCatchUp } from "@/lib/stream/catch_up.ts";
 * const delta = (seq: number, patch: Record<string, number>) =>
 *   createHubMessage({ type: "delta", topic: "t", epoch: "ep01", seq, base: seq - 1, ts: "2026-01-01T00:00:00.000Z", patch });
 * const snapshot = createHubMessage({ type: "snapshot", topic: "t", epoch: "ep01", seq: 3, ts: "2026-01-01T00:00:00.000Z", data: { a: 2, b: 1, pad: "x".repeat(100) } });
 * const one = composeCatchUp([delta(2, { a: 1 }), delta(3, { a: 2, b: 1 })], 1, snapshot);
 * assert.equal(one?.text.includes('"base":1'), true);
 * assert.deepEqual(one?.envelope.type === "delta" && one.envelope.patch, { a: 2, b: 1 });
 * ```
 */
export function composeCatchUp(
  missed: readonly HubMessage[],
  since: number,
  snapshot: HubMessage<SnapshotEnvelope>,
): HubMessage | undefined {
  if (missed.length === 0) return undefined;
  if (missed.length === 1) return missed[0];
  let patch: JsonObject | undefined = {};
  for (const m of missed) {
    if (m.envelope.type !== "delta" || patch === undefined) return undefined;
    patch = composeMergePatches(patch, m.envelope.patch);
  }
  if (patch === undefined) return undefined;
  const last = missed[missed.length - 1]!.envelope;
  const message = createHubMessage<DeltaEnvelope>({
    type: "delta",
    topic: last.topic,
    epoch: last.epoch,
    seq: last.seq,
    base: since,
    ts: last.ts,
    patch,
  });
  // A composed delta larger than the whole state is worse than a snapshot.
  return message.text.length < snapshot.text.length ? message : undefined;
}

/**
 * The longest run of deltas in `messages` that applies on `from`, each on
 * the one before, in `epoch`, up to `until`: how a shared log bridges a
 * gap.
 *
 * @param messages Deltas, oldest first.
 * @param from The seq the run starts on.
 * @param options The epoch and the last seq wanted.
 * @returns The run and the seq it reaches (`from` when empty).
 */
export function deltaChain(
  messages: readonly HubMessage[],
  from: number,
  options: { epoch: string; until?: number },
): { chain: HubMessage[]; reaches: number } {
  const { epoch, until = Infinity } = options;
  const chain: HubMessage[] = [];
  let at = from;
  for (const m of messages) {
    const e = m.envelope;
    if (e.seq <= at) continue; // already held
    if (e.seq > until) break; // newer than wanted: live delivery carries it
    if (e.type !== "delta" || e.epoch !== epoch || e.base !== at) break;
    chain.push(m);
    at = e.seq;
  }
  return { chain, reaches: at };
}
