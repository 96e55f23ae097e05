/**
 * The injectable clock: every time-based part of `lib/` takes one, so tests
 * drive time by hand ({@linkcode FakeClock}) instead of sleeping.
 *
 * @module
 */

/** Opaque handle returned by {@linkcode Clock.setTimeout}. */
export type TimerId = number;

/**
 * Wall time, a monotonic clock and timers, injected wherever `lib/`
 * measures or waits. Wall time (`now`) is for timestamps that leave the
 * process (`ts`, stored expiries, signed credentials); every duration
 * inside it (windows, cooldowns, ages, rates) is measured with
 * `monotonic`, so a wall clock stepped by NTP or by hand neither freezes
 * nor rushes anything.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (steps when the system clock is set). */
  now(): number;
  /** Milliseconds from an arbitrary start; never steps, only for durations. */
  monotonic(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a timer; unknown or fired ids are ignored. */
  clearTimeout(id: TimerId): void;
  /**
   * Resolves after `ms` milliseconds, or rejects with the signal's reason
   * as soon as `signal` aborts (the timer is cleared, nothing leaks).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Builds `sleep` on top of a clock's timers, so real and fake clocks share
 * the same abort semantics.
 *
 * @param clock The timers to use.
 * @param ms How long to wait.
 * @param signal Aborts the wait early with the signal's reason.
 * @returns A promise that settles when the time has passed or the signal aborted.
 *
 * @example Abort a wait
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleepWith } from "@/lib/time/clock.ts";
 * import { FakeClock } from "@/lib/time/fake_clock.ts";
 * const clock = new FakeClock();
 * const abort = new AbortController();
 * const wait = sleepWith(clock, 1000, abort.signal);
 * abort.abort(new Error("stop"));
 * await assert.rejects(wait, /stop/);
 * assert.equal(clock.pendingTimers, 0);
 * ```
 */
export function sleepWith(
  clock: Pick<Clock, "setTimeout" | "clearTimeout">,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const id = clock.setTimeout(function onSleepDone() {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clock.clearTimeout(id);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The real clock, backed by the platform's `Date.now` and timers.
 *
 * @example Measure real time
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "@/lib/time/clock.ts";
 * assert.ok(systemClock.now() > 0);
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn: () => void, ms: number): TimerId =>
    setTimeout(fn, ms) as unknown as TimerId,
  clearTimeout: (id: TimerId) => clearTimeout(id),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(systemClock, ms, signal);
  },
});
