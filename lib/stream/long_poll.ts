/**
 * Long-polling: answer at once when the client is behind, otherwise park
 * the request until the next publish or the timeout. A parked request is a
 * closure in the hub's waiter set and a member of the shared ticker that
 * ends it at its timeout (a timer of its own when no ticker is given): a
 * thousand clients polling ten times a second made and cleared ten
 * thousand timers a second before.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import type { Beating, HeartbeatTicker } from "./heartbeat_ticker.ts";
import type { Hub, ResumePosition } from "./hub.ts";
import type { HubMessage } from "./hub_message.ts";
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
  /** Aborts the wait: the client went away (the request's signal). */
  signal?: AbortSignal;
  /**
   * Called when the poll parks, with the function that ends the wait early
   * and answers with what there is (the server stopping, the credential
   * expiring): cheaper than an AbortController per poll.
   */
  onPark?: (end: () => void) => void;
  /**
   * A shared ticker that ends the wait once the timeout has passed, at
   * most one of its ticks late; without one, a timer per wait.
   */
  ticker?: HeartbeatTicker;
}

/** A parked poll's deadline, checked on the shared ticker's ticks. */
class Deadline implements Beating {
  constructor(
    readonly at: number,
    readonly end: () => void,
  ) {}

  beat(now: number): void {
    if (now >= this.at) this.end();
  }
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
    let end!: () => void;
    const ended = new Promise<void>((resolve) => end = resolve);
    const unpark = hub.onNextChange(topic, end);
    const { ticker } = options;
    const deadline = ticker
      ? new Deadline(clock.monotonic() + timeoutMs, end)
      : undefined;
    const timer = deadline ? undefined : clock.setTimeout(end, timeoutMs);
    if (deadline) ticker!.add(deadline);
    signal?.addEventListener("abort", end, { once: true });
    if (signal?.aborted) end();
    options.onPark?.(end);
    try {
      await ended;
    } finally {
      unpark();
      if (deadline) ticker!.delete(deadline);
      else clock.clearTimeout(timer!);
      signal?.removeEventListener("abort", end);
    }
    if (signal?.aborted) return undefined;
    answer = await hub.resume(topic, position);
  }
  const { messages, resumed } = answer;
  options.onEvent?.({ kind: "subscribe", transport: "poll", resumed });
  // One message (a poll parked at the head) is the same answer for every
  // client: built once per message, not once per client.
  const body = messages.length === 1
    ? messages[0]!.pollBody
    : `{"messages":[${messages.map((m) => m.text).join(",")}],"cursor":${
      JSON.stringify(cursorAfter(hub, topic, position, messages))
    }}`;
  if (messages.length > 0) options.onSent?.("poll", "batch", body.length);
  return { body, count: messages.length, resumed };
}

/** Where the client stands after an answer: its last message, or where it asked from. */
function cursorAfter(
  hub: Hub,
  topic: string,
  position: ResumePosition,
  messages: readonly HubMessage[],
): { epoch: string; seq: number } {
  const last = messages[messages.length - 1]?.envelope;
  return last ? { epoch: last.epoch, seq: last.seq } : {
    epoch: position.epoch ?? hub.epoch,
    seq: position.since ?? hub.position(topic).seq,
  };
}
