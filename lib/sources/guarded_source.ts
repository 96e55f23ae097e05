/**
 * Wraps a source's reads in the resilience chain every upstream call goes
 * through: circuit breaker -> retry -> timeout (each attempt gets its own
 * time limit and is aborted when it runs out).
 *
 * @module
 */
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitStateChange,
  KeyedRateLimiter,
  retry,
  type RetryOptions,
  UpstreamHttpError,
  withTimeout,
} from "../resilience/mod.ts";
import type { DeclaredSource } from "./sources_file.ts";
import type { Clock } from "../time/mod.ts";
import { systemRandom } from "../time/mod.ts";
import type { ReadContext, Reading, Source } from "./source.ts";

/** Options for {@linkcode guardSource}. */
export interface GuardOptions {
  /** Time source for timeouts, backoff and the breaker. */
  clock: Clock;
  /**
   * Uniform random numbers in [0, 1), for backoff jitter.
   * @default {systemRandom}
   */
  random?: () => number;
  /**
   * Time limit of one attempt, ms.
   * @default {5000}
   */
  timeoutMs?: number;
  /** Retry settings (attempts, delays, hooks). */
  retry?: Omit<RetryOptions, "clock" | "random" | "signal">;
  /** Breaker settings (thresholds, cooldown, state-change hook). */
  breaker?: Omit<CircuitBreakerOptions, "clock" | "name">;
  /**
   * Most upstream requests a second (each page of a source that pages
   * itself, else each read), leaving room for the owner's own use of the
   * key. Unset: no cap.
   */
  requestsPerSecond?: number;
}

/** A source whose reads are guarded, with its breaker's state. */
export interface GuardedSource extends Source {
  /** The breaker's current state. */
  readonly breakerState: CircuitState;
  /** Closes the breaker by hand (an operator fixed the upstream). */
  resetBreaker(reason: string): void;
}

/**
 * Guards `source`: each read runs through its own breaker, retries what
 * can succeed, and aborts each attempt at its time limit.
 *
 * @param source The source to guard.
 * @param options Timeout, retry and breaker settings.
 * @returns A source with the same id, kind and role.
 *
 * @example Reads pass through while the upstream is healthy
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Simulator } from "@/lib/sources/simulator.ts";
 * import { guardSource } from "@/lib/sources/guarded_source.ts";
 * const clock = new FakeClock();
 * const [revenue] = new Simulator({ clock }).sources();
 * const guarded = guardSource(revenue!, { clock });
 * assert.equal((await guarded.read()).source, "sim-revenue");
 * assert.equal(guarded.breakerState, "closed");
 * ```
 */
export function guardSource(
  source: Source,
  options: GuardOptions,
): GuardedSource {
  const { clock, random = systemRandom, timeoutMs = 5_000 } = options;
  const breaker = new CircuitBreaker({
    ...options.breaker,
    clock,
    name: source.id,
  });
  const limiter = options.requestsPerSecond
    ? new KeyedRateLimiter({
      now: () => clock.monotonic(),
      perSecond: options.requestsPerSecond,
      burst: Math.max(1, Math.ceil(options.requestsPerSecond)),
    })
    : undefined;
  /** Waits until the rate cap lets one more request go. */
  const pace = async (signal?: AbortSignal) => {
    for (let wait = limiter?.take("") ?? 0; wait > 0;) {
      await clock.sleep(wait, signal);
      wait = limiter!.take("");
    }
  };
  /** One guarded attempt-with-retries of `fn`, as the breaker counts it. */
  const guarded = <T>(
    operation: string,
    fn: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> =>
    breaker.execute(() =>
      retry(
        async () => {
          await pace(signal);
          return withTimeout(fn, timeoutMs, { clock, signal, operation });
        },
        { ...options.retry, clock, random, signal },
      )
    );
  return {
    id: source.id,
    kind: source.kind,
    role: source.role,
    get breakerState() {
      return breaker.state;
    },
    resetBreaker: (reason) => breaker.reset(reason),
    ...(source.nature ? { nature: source.nature } : {}),
    ...(source.live ? { live: source.live } : {}),
    read(signal?: AbortSignal, context?: ReadContext): Promise<Reading> {
      if (source.pagesItself) {
        // Each page is its own guarded request; the read itself is not.
        return source.read(
          signal,
          context,
          (operation, fn) => guarded(`${operation} (${source.id})`, fn, signal),
        );
      }
      return guarded(
        `reading ${source.id}`,
        (s) => source.read(s, context),
        signal,
      );
    },
  };
}

/** Options for {@linkcode guardDeclared}. */
export interface GuardDeclaredOptions {
  /** Time source for timeouts, backoff and the breakers. */
  clock: Clock;
  /**
   * Uniform random numbers in [0, 1), for backoff jitter.
   * @default {systemRandom}
   */
  random?: () => number;
  /** Told before each retry; `throttled` when the upstream said 429. */
  onRetry?: (sourceId: string, throttled: boolean) => void;
  /** Told when a source's breaker changes state. */
  onBreakerChange?: (sourceId: string, change: CircuitStateChange) => void;
}

/**
 * Guards every declared source with its own settings from the sources
 * file (timeout, retry, breaker).
 *
 * @param declared The sources, as built from the sources file.
 * @param options Clock, randomness and hooks.
 * @returns The guarded sources, in the same order.
 */
export function guardDeclared(
  declared: readonly Pick<DeclaredSource, "source" | "common">[],
  options: GuardDeclaredOptions,
): GuardedSource[] {
  const { clock, random, onRetry, onBreakerChange } = options;
  return declared.map(({ source, common }) =>
    guardSource(source, {
      clock,
      random,
      timeoutMs: common.timeoutMs,
      ...(common.requestsPerSecond !== undefined
        ? { requestsPerSecond: common.requestsPerSecond }
        : {}),
      retry: {
        ...common.retry,
        onRetry: ({ error }) =>
          onRetry?.(
            source.id,
            error instanceof UpstreamHttpError && error.status === 429,
          ),
      },
      breaker: {
        ...common.breaker,
        onStateChange: (change) => onBreakerChange?.(source.id, change),
      },
    })
  );
}
