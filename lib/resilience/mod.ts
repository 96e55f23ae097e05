/**
 * Resilience primitives for upstream calls: timeouts that cancel, retry
 * that honours rate limits, a circuit breaker, and tagged degradation.
 * Browser-safe.
 *
 * @module
 */
export { backoffDelay, type BackoffOptions } from "./backoff.ts";
export {
  Deadline,
  TimeoutError,
  type TimeoutOptions,
  withTimeout,
} from "./timeout.ts";
export {
  UpstreamHttpError,
  type UpstreamHttpErrorOptions,
} from "./upstream_error.ts";
export { isRetryable, retryAfterMs } from "./retry_hints.ts";
export { retry, type RetryEvent, type RetryOptions } from "./retry.ts";
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitOpenError,
  type CircuitState,
  type CircuitStateChange,
  classifyOutcome,
  type OutcomeKind,
} from "./circuit_breaker.ts";
export {
  KeyedRateLimiter,
  type KeyedRateLimiterOptions,
  MemoryBudget,
  type MemoryBudgetOptions,
  readBounded,
  SlotLimiter,
  TokenBucket,
} from "./limits.ts";
