/**
 * A connection lives no longer than the credential that opened it, on
 * every transport: at the credential's end a WebSocket closes with 4001,
 * an SSE stream ends after an `unauthorized` error event, and a parked
 * long-poll is answered 401. Each says the same thing, so a client fetches
 * a new ticket and resumes from its position.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";

/** What the client is told when its credential runs out. */
export const CREDENTIAL_EXPIRED =
  "credential expired; fetch a new ticket and resume";

/** The longest delay a timer takes, ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** A connection that can be ended because its credential ran out. */
export interface Expirable {
  /** Ends the connection with an `unauthorized` error carrying `message`. */
  expire(message: string): void;
}

/**
 * Ends `connection` when `until` passes.
 *
 * @param connection The connection.
 * @param until When the credential ends, epoch ms; `0` or `undefined` for
 *   a credential that does not end (an API token, an open server).
 * @param clock Time source for the timer.
 * @returns Cancels the timer (call it when the connection ends first).
 *
 * @example A session ending in one second ends the stream then
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { endAtExpiry } from "@/lib/stream/credential_expiry.ts";
 * const clock = new FakeClock();
 * const told: string[] = [];
 * endAtExpiry({ expire: (m) => told.push(m) }, clock.now() + 1000, clock);
 * await clock.advance(999);
 * assert.equal(told.length, 0);
 * await clock.advance(1);
 * assert.equal(told.length, 1);
 * ```
 */
export function endAtExpiry(
  connection: Expirable,
  until: number | undefined,
  clock: Clock,
): () => void {
  if (!until) return () => {};
  // Timers take at most 2^31 - 1 ms (24.8 days); a longer wait would fire
  // at once, ending a month-long viewer session's stream as it opened.
  let timer: ReturnType<Clock["setTimeout"]>;
  const arm = () => {
    const wait = until - clock.now();
    timer = wait > MAX_TIMER_MS
      ? clock.setTimeout(arm, MAX_TIMER_MS)
      : clock.setTimeout(
        () => connection.expire(CREDENTIAL_EXPIRED),
        Math.max(0, wait),
      );
  };
  arm();
  return function cancelExpiry() {
    clock.clearTimeout(timer);
  };
}
