/**
 * Timeouts that cancel: the operation gets an `AbortSignal` that aborts when
 * time runs out (or the caller gives up), so the underlying work (a fetch,
 * a query) really stops instead of running on after the caller moved on.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import { systemClock } from "../time/mod.ts";

/**
 * An operation ran past its time limit.
 *
 * @example Name the operation and the limit
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimeoutError } from "@/lib/resilience/timeout.ts";
 * assert.equal(new TimeoutError("GET /balance", 5000).message, "GET /balance timed out after 5000 ms");
 * ```
 */
export class TimeoutError extends Error {
  /** What timed out, as named by the caller. */
  readonly operation: string;
  /** The limit, ms. */
  readonly timeoutMs: number;
  /** Creates the error. */
  constructor(operation: string, timeoutMs: number) {
    super(`${operation} timed out after ${timeoutMs} ms`);
    this.name = "TimeoutError";
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/** Options for {@linkcode withTimeout}. */
export interface TimeoutOptions {
  /** The caller's signal: aborting it aborts the operation too. */
  signal?: AbortSignal;
  /**
   * Time source.
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * What is being done, for the error message.
   * @default {"operation"}
   */
  operation?: string;
}

/**
 * Runs `fn` with a signal that aborts after `ms` milliseconds or when the
 * caller's signal aborts, and settles as soon as either happens.
 *
 * @param fn The operation; it must pass the signal to whatever it awaits.
 * @param ms The time limit.
 * @param options The caller's signal, the clock and a name for errors.
 * @returns What `fn` returned.
 * @throws {TimeoutError} When time ran out (the operation was aborted).
 * @throws {RangeError} When `ms` is not a non-negative number.
 *
 * @example A slow operation is aborted, not abandoned
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { TimeoutError, withTimeout } from "@/lib/resilience/timeout.ts";
 * const clock = new FakeClock();
 * let aborted = false;
 * const result = withTimeout((signal) => new Promise((_, reject) => {
 *   signal.addEventListener("abort", () => { aborted = true; reject(signal.reason); });
 * }), 100, { clock, operation: "GET /balance" });
 * await clock.advance(100);
 * await assert.rejects(result, TimeoutError);
 * assert.equal(aborted, true);
 * ```
 */
export function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  ms: number,
  options: TimeoutOptions = {},
): Promise<T> {
  const { signal, clock = systemClock, operation = "operation" } = options;
  if (!(ms >= 0) || !Number.isFinite(ms)) {
    return Promise.reject(
      new RangeError(
        `Cannot run with timeout: 'ms' must be a non-negative number, received ${ms}`,
      ),
    );
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  const controller = new AbortController();
  const timer = clock.setTimeout(
    () => controller.abort(new TimeoutError(operation, ms)),
    ms,
  );
  const onCallerAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onCallerAbort, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener(
      "abort",
      () => reject(controller.signal.reason),
      { once: true },
    );
  });
  // Settle on abort even if `fn` is slow to notice; it has been told to stop.
  return Promise.race([fn(controller.signal), aborted]).finally(() => {
    clock.clearTimeout(timer);
    signal?.removeEventListener("abort", onCallerAbort);
  });
}

/**
 * A time budget shared by several calls (an aggregate tick with an overall
 * deadline): its signal aborts with a {@linkcode TimeoutError} when the
 * budget is spent, and `remaining()` tells how much is left.
 *
 * @example Share one budget
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Deadline } from "@/lib/resilience/timeout.ts";
 * const clock = new FakeClock();
 * using deadline = new Deadline(1000, { clock, operation: "tick" });
 * await clock.advance(400);
 * assert.equal(deadline.remaining(), 600);
 * await clock.advance(600);
 * assert.equal(deadline.signal.aborted, true);
 * ```
 */
export class Deadline implements Disposable {
  #clock: Clock;
  #at: number;
  #controller = new AbortController();
  #timer: number;

  /** Starts a budget of `ms` from now. */
  constructor(ms: number, options: TimeoutOptions = {}) {
    const { clock = systemClock, operation = "operation", signal } = options;
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(
        `Cannot create deadline: 'ms' must be a non-negative number, received ${ms}`,
      );
    }
    this.#clock = clock;
    this.#at = clock.monotonic() + ms;
    this.#timer = clock.setTimeout(
      () => this.#controller.abort(new TimeoutError(operation, ms)),
      ms,
    );
    if (signal?.aborted) this.#controller.abort(signal.reason);
    signal?.addEventListener(
      "abort",
      () => this.#controller.abort(signal.reason),
      {
        once: true,
        signal: this.#controller.signal,
      },
    );
  }

  /** Aborts when the budget is spent or the parent signal aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.#at - this.#clock.monotonic());
  }

  /** Aborts the budget now (the work is no longer wanted). */
  abort(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  /** Releases the timer (the work finished in time). */
  [Symbol.dispose](): void {
    this.#clock.clearTimeout(this.#timer);
  }
}
