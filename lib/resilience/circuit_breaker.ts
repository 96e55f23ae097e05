/**
 * A circuit breaker per upstream: CLOSED lets calls through and watches
 * them; too many failures OPEN it, and calls fail fast for a cooldown; then
 * HALF_OPEN admits exactly one probe at a time, and enough successful
 * probes close it again. Throttling (429) and the caller's own aborts are
 * not failures. About 350 lines, most of them the options' and the error's
 * documentation and an asserting example; the state machine itself is one
 * class, as in std's.
 *
 * @module
 */
import { type Clock, isoTime, systemClock } from "../time/mod.ts";
import { TimeoutError } from "./timeout.ts";
import { UpstreamHttpError } from "./upstream_error.ts";

/** The breaker's state. */
export type CircuitState = "closed" | "open" | "half_open";

/** How an outcome counts. */
export type OutcomeKind = "failure" | "throttled" | "ignore";

/** A state change, for metrics, health and the dashboard. */
export interface CircuitStateChange {
  /** The state before. */
  from: CircuitState;
  /** The state after. */
  to: CircuitState;
  /** Why, in words. */
  reason: string;
  /** When, ISO-8601 UTC. */
  at: string;
}

/**
 * A call refused because the circuit is open (or its probe slot is taken).
 *
 * @example Say when to come back
 * ```ts
 * import assert from "node:assert/strict";
 * import { CircuitOpenError } from "@/lib/resilience/circuit_breaker.ts";
 * const error = new CircuitOpenError("kalshi", 12_000);
 * assert.equal(error.message, "kalshi is unavailable (circuit open); next try in 12 s");
 * ```
 */
export class CircuitOpenError extends Error {
  /** How long until a probe may be admitted, ms (0 while a probe runs). */
  readonly retryAfterMs: number;
  /** Creates the error. */
  constructor(name: string, retryAfterMs: number) {
    super(
      retryAfterMs > 0
        ? `${name} is unavailable (circuit open); next try in ${
          Math.ceil(retryAfterMs / 1000)
        } s`
        : `${name} is unavailable (circuit half-open, a probe is in flight)`,
    );
    this.name = "CircuitOpenError";
    this.retryAfterMs = retryAfterMs;
  }
}

/** Options for {@linkcode CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /**
   * Names the protected upstream in errors.
   * @default {"upstream"}
   */
  name?: string;
  /**
   * Consecutive failures that open the circuit.
   * @default {5}
   */
  failureThreshold?: number;
  /**
   * Failure rate over the window that opens the circuit (0-1).
   * @default {0.5}
   */
  failureRate?: number;
  /**
   * The rolling window for the failure rate, ms.
   * @default {60000}
   */
  windowMs?: number;
  /**
   * Calls the window needs before the rate is judged.
   * @default {10}
   */
  minimumCalls?: number;
  /**
   * How long the circuit stays open before probing, ms.
   * @default {30000}
   */
  cooldownMs?: number;
  /**
   * Successful probes in a row that close the circuit.
   * @default {1}
   */
  successThreshold?: number;
  /**
   * How an error counts.
   * @default {classifyOutcome}
   */
  classify?: (error: unknown) => OutcomeKind;
  /** Told about every state change. */
  onStateChange?: (change: CircuitStateChange) => void;
  /**
   * Time source.
   * @default {systemClock}
   */
  clock?: Clock;
}

/**
 * The default classification: a 429 is throttled, an abort that is not a
 * timeout is the caller's own and is ignored, anything else (timeouts,
 * 5xx, network errors, bad data) is a failure.
 *
 * @param error What a call threw.
 * @returns How it counts.
 *
 * @example A 429 is throttling, not failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyOutcome } from "@/lib/resilience/circuit_breaker.ts";
 * import { UpstreamHttpError } from "@/lib/resilience/upstream_error.ts";
 * assert.equal(classifyOutcome(new UpstreamHttpError(429, "slow down")), "throttled");
 * assert.equal(classifyOutcome(new UpstreamHttpError(503, "down")), "failure");
 * ```
 */
export function classifyOutcome(error: unknown): OutcomeKind {
  if (error instanceof UpstreamHttpError && error.status === 429) {
    return "throttled";
  }
  if (error instanceof TimeoutError) return "failure";
  if (error instanceof DOMException && error.name === "AbortError") {
    return "ignore";
  }
  return "failure";
}

/**
 * Guards calls to one upstream.
 *
 * @example Open after failures, fail fast, probe after the cooldown
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { CircuitBreaker, CircuitOpenError } from "@/lib/resilience/circuit_breaker.ts";
 * const clock = new FakeClock();
 * const breaker = new CircuitBreaker({ clock, failureThreshold: 2, cooldownMs: 1000 });
 * const fail = () => Promise.reject(new Error("500"));
 * await assert.rejects(breaker.execute(fail));
 * await assert.rejects(breaker.execute(fail));
 * assert.equal(breaker.state, "open");
 * await assert.rejects(breaker.execute(fail), CircuitOpenError);
 * await clock.advance(1000);
 * assert.equal(await breaker.execute(() => Promise.resolve(1)), 1);
 * assert.equal(breaker.state, "closed");
 * ```
 */
export class CircuitBreaker {
  #name: string;
  #failureThreshold: number;
  #failureRate: number;
  #windowMs: number;
  #minimumCalls: number;
  #cooldownMs: number;
  #successThreshold: number;
  #classify: (error: unknown) => OutcomeKind;
  #onStateChange?: (change: CircuitStateChange) => void;
  #clock: Clock;
  #state: CircuitState = "closed";
  #consecutiveFailures = 0;
  #outcomes: { at: number; failed: boolean }[] = [];
  #openedAt = 0;
  #probeInFlight = false;
  #probeSuccesses = 0;

  /** Creates a closed breaker. */
  constructor(options: CircuitBreakerOptions = {}) {
    const {
      name = "upstream",
      failureThreshold = 5,
      failureRate = 0.5,
      windowMs = 60_000,
      minimumCalls = 10,
      cooldownMs = 30_000,
      successThreshold = 1,
      classify = classifyOutcome,
      onStateChange,
      clock = systemClock,
    } = options;
    const positiveInt = { failureThreshold, minimumCalls, successThreshold };
    for (const [key, value] of Object.entries(positiveInt)) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(
          `Cannot create circuit breaker: '${key}' must be a positive integer, received ${value}`,
        );
      }
    }
    if (!(failureRate > 0 && failureRate <= 1)) {
      throw new RangeError(
        `Cannot create circuit breaker: 'failureRate' must be in (0, 1], received ${failureRate}`,
      );
    }
    for (const [key, value] of Object.entries({ windowMs, cooldownMs })) {
      if (!(value >= 0) || !Number.isFinite(value)) {
        throw new RangeError(
          `Cannot create circuit breaker: '${key}' must be a non-negative number, received ${value}`,
        );
      }
    }
    this.#name = name;
    this.#failureThreshold = failureThreshold;
    this.#failureRate = failureRate;
    this.#windowMs = windowMs;
    this.#minimumCalls = minimumCalls;
    this.#cooldownMs = cooldownMs;
    this.#successThreshold = successThreshold;
    this.#classify = classify;
    this.#onStateChange = onStateChange;
    this.#clock = clock;
  }

  /**
   * Closes the circuit by hand (an operator who fixed the upstream need
   * not wait for the cooldown): failures are forgotten and the next call
   * goes through.
   *
   * @param reason Why, for the state-change event.
   */
  reset(reason = "reset by hand"): void {
    this.#probeInFlight = false;
    this.#transition("closed", reason);
    this.#consecutiveFailures = 0;
    this.#outcomes = [];
  }

  /** The current state (an open circuit past its cooldown reads half_open). */
  get state(): CircuitState {
    this.#maybeHalfOpen();
    return this.#state;
  }

  /**
   * Runs `fn` through the breaker.
   *
   * @throws {CircuitOpenError} When open, or half-open with a probe in flight.
   * @throws What `fn` threw.
   */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    this.#maybeHalfOpen();
    if (this.#state === "open") {
      throw new CircuitOpenError(
        this.#name,
        Math.max(
          0,
          this.#openedAt + this.#cooldownMs - this.#clock.monotonic(),
        ),
      );
    }
    const probing = this.#state === "half_open";
    if (probing) {
      if (this.#probeInFlight) throw new CircuitOpenError(this.#name, 0);
      this.#probeInFlight = true;
    }
    try {
      const result = await fn();
      this.#onSuccess(probing);
      return result;
    } catch (error) {
      this.#onError(error, probing);
      throw error;
    } finally {
      if (probing) this.#probeInFlight = false;
    }
  }

  #onSuccess(probing: boolean): void {
    this.#consecutiveFailures = 0;
    if (probing) {
      if (++this.#probeSuccesses >= this.#successThreshold) {
        this.#transition(
          "closed",
          `${this.#probeSuccesses} probe(s) succeeded`,
        );
      }
      return;
    }
    this.#record(false);
  }

  #onError(error: unknown, probing: boolean): void {
    const kind = this.#classify(error);
    if (kind !== "failure") return; // throttled or the caller's own abort
    if (probing) {
      this.#open(`probe failed: ${describe(error)}`);
      return;
    }
    if (this.#state !== "closed") return;
    this.#consecutiveFailures++;
    this.#record(true);
    if (this.#consecutiveFailures >= this.#failureThreshold) {
      this.#open(
        `${this.#consecutiveFailures} consecutive failures; last: ${
          describe(error)
        }`,
      );
      return;
    }
    const recent = this.#outcomes;
    if (recent.length >= this.#minimumCalls) {
      const failed = recent.filter((o) => o.failed).length;
      if (failed / recent.length >= this.#failureRate) {
        this.#open(
          `${failed} of ${recent.length} calls failed in the last ${
            this.#windowMs / 1000
          } s; last: ${describe(error)}`,
        );
      }
    }
  }

  #record(failed: boolean): void {
    const now = this.#clock.monotonic();
    this.#outcomes.push({ at: now, failed });
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#outcomes.length && this.#outcomes[drop]!.at <= cutoff) {
      drop++;
    }
    if (drop > 0) this.#outcomes.splice(0, drop);
  }

  #open(reason: string): void {
    this.#openedAt = this.#clock.monotonic();
    this.#transition("open", reason);
  }

  #maybeHalfOpen(): void {
    if (
      this.#state === "open" &&
      this.#clock.monotonic() >= this.#openedAt + this.#cooldownMs
    ) {
      this.#transition(
        "half_open",
        `cooldown of ${this.#cooldownMs / 1000} s over`,
      );
    }
  }

  #transition(to: CircuitState, reason: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#probeSuccesses = 0;
    if (to === "closed") {
      this.#consecutiveFailures = 0;
      this.#outcomes = [];
    }
    this.#onStateChange?.({ from, to, reason, at: isoTime(this.#clock.now()) });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
