/**
 * A manual clock for tests: time moves only when the test says so, and
 * timers fire in due order during {@linkcode FakeClock.advance}.
 *
 * @module
 */
import { type Clock, sleepWith, type TimerId } from "./clock.ts";

interface PendingTimer {
  id: TimerId;
  at: number;
  fn: () => void;
}

/** Options for {@linkcode FakeClock}. */
export interface FakeClockOptions {
  /**
   * The starting time in milliseconds since the epoch.
   * @default {Date.parse("2026-01-01T00:00:00.000Z")}
   */
  start?: number;
}

/**
 * A deterministic {@linkcode Clock}.
 *
 * @example Timers fire when time is advanced
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/fake_clock.ts";
 * const clock = new FakeClock({ start: 0 });
 * let fired = false;
 * clock.setTimeout(() => fired = true, 10);
 * await clock.advance(9);
 * assert.equal(fired, false);
 * await clock.advance(1);
 * assert.equal(fired, true);
 * ```
 */
export class FakeClock implements Clock {
  /** Monotonic time; timers run on it. */
  #now: number;
  /** Wall time minus monotonic time (moved by {@linkcode FakeClock.stepWall}). */
  #wallOffset = 0;
  #nextId = 1;
  #timers: PendingTimer[] = [];

  /** Creates a clock standing still at `start`. */
  constructor(options: FakeClockOptions = {}) {
    const { start = Date.parse("2026-01-01T00:00:00.000Z") } = options;
    if (!Number.isFinite(start)) {
      throw new RangeError(
        `Cannot create fake clock: 'start' must be a finite number, received ${start}`,
      );
    }
    this.#now = start;
  }

  /** The simulated wall time. */
  now(): number {
    return this.#now + this.#wallOffset;
  }

  /** The simulated monotonic time (equal to `now()` until the wall steps). */
  monotonic(): number {
    return this.#now;
  }

  /**
   * Steps the wall clock by `ms` (negative: backwards), as NTP or an
   * operator setting the time does; monotonic time and timers are not
   * moved.
   */
  stepWall(ms: number): void {
    if (!Number.isFinite(ms)) {
      throw new RangeError(
        `Cannot step fake clock: 'ms' must be a finite number, received ${ms}`,
      );
    }
    this.#wallOffset += ms;
  }

  /** Schedules `fn` at `ms` of simulated monotonic time from now. */
  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#nextId++;
    // As the platform's timers do: a delay past 2^31 - 1 ms (24.8 days)
    // fires at once, so code that waits longer is caught in tests.
    const wait = ms > 2_147_483_647 ? 0 : Math.max(0, ms);
    this.#timers.push({ id, at: this.#now + wait, fn });
    return id;
  }

  /** Cancels a pending timer. */
  clearTimeout(id: TimerId): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Sleeps in simulated time; aborts early with the signal. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due in order
   * and letting promise callbacks run between timers, so code that awaits a
   * sleep and then schedules another timer behaves as in real time.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) {
      throw new RangeError(
        `Cannot advance fake clock: 'ms' must be a non-negative number, received ${ms}`,
      );
    }
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const due = this.#nextDue(target);
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.fn();
      await flushMicrotasks();
    }
    this.#now = target;
  }

  #nextDue(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers) {
      if (t.at <= limit && (!best || t.at < best.at)) best = t;
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  // A few turns so chains of awaits settle before the next timer fires.
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
