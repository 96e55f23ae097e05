/**
 * Long-polling: answer at once when the client is behind, otherwise park
 * the request until the next publish or the timeout. A parked request is a
 * closure in the hub's waiter set plus one timer.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import type { Hub, ResumePosition } from "./hub.ts";
import type { StreamOptions } from "./stream_options.ts";

/**
 * Options for {@linkcode longPoll}; the stream options' `onEvent` and
 * `onSent` count each answer as the other transports count theirs.
 */
export interface LongPollOptions
  extends Pick<StreamOptions, "onEvent" | "onSent"> {
  /** Time source for the timeout. */
  clock: Clock;
  /** How long to hold the request when there is nothing new, ms. */
  timeoutMs: number;
  /** Aborts the wait (the client went away, or the server is stopping). */
  signal?: AbortSignal;
}

/** A long-poll answer. */
export interface LongPollResult {
  /** The response body: `{"messages":[...],"cursor":{...}}`, serialized once per message. */
  body: string;
  /** How many envelopes it carries. */
  count: number;
  /** Whether they came from history (`false`: a snapshot, or nothing). */
  resumed: boolean;
}

/**
 * Answers one long-poll: missed deltas or a snapshot at once, else waits.
 *
 * @param hub The hub.
 * @param topic An existing topic.
 * @param position The client's cursor.
 * @param options Timeout, clock and abort signal.
 * @returns The answer, or `undefined` when `signal` aborted while waiting.
 *
 * @example Behind: answered at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Hub } from "@/lib/stream/hub.ts";
 * import { longPoll } from "@/lib/stream/long_poll.ts";
 * const clock = new FakeClock();
 * using hub = new Hub({ clock, topics: { t: { n: 1 } }, epoch: "poll" });
 * const result = await longPoll(hub, "t", {}, { clock, timeoutMs: 25000 });
 * assert.equal(JSON.parse(result!.body).messages[0].type, "snapshot");
 * ```
 */
export async function longPoll(
  hub: Hub,
  topic: string,
  position: ResumePosition,
  options: LongPollOptions,
): Promise<LongPollResult | undefined> {
  const { clock, timeoutMs, signal } = options;
  const first = hub.resume(topic, position);
  // Only a read of the shared log costs a turn; the wait below starts in
  // this one otherwise.
  let answer = first instanceof Promise ? await first : first;
  if (answer.messages.length === 0 && timeoutMs > 0) {
    const wait = new AbortController();
    const timer = clock.setTimeout(() => wait.abort(), timeoutMs);
    const onAbort = () => wait.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await hub.waitForChange(topic, wait.signal);
    } finally {
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    if (signal?.aborted) return undefined;
    answer = await hub.resume(topic, position);
  }
  const { messages, resumed } = answer;
  options.onEvent?.({ kind: "subscribe", transport: "poll", resumed });
  const last = messages[messages.length - 1]?.envelope;
  const cursor = last ? { epoch: last.epoch, seq: last.seq } : {
    epoch: position.epoch ?? hub.epoch,
    seq: position.since ?? hub.position(topic).seq,
  };
  const body = `{"messages":[${
    messages.map((m) => m.text).join(",")
  }],"cursor":${JSON.stringify(cursor)}}`;
  if (messages.length > 0) options.onSent?.("poll", "batch", body.length);
  return { body, count: messages.length, resumed };
}
