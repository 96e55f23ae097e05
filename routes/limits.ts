/**
 * Per-client limits at the HTTP boundary, over `lib/resilience`'s
 * SlotLimiter: open WebSocket and SSE connections per IP, parked
 * long-polls per IP, and request body size. Refusals are the documented
 * 429 (with Retry-After) and 413.
 */
import type { Context } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import { KeyedRateLimiter, SlotLimiter } from "@/lib/resilience/mod.ts";
import { FailureLimiter } from "@/lib/security/mod.ts";
import type { Clock } from "@/lib/time/mod.ts";
import type { Config } from "@/lib/config.ts";

/** The limiters of one app. */
export interface RouteLimits {
  /** WebSocket and SSE connections per IP. */
  connections: SlotLimiter;
  /** WebSocket, SSE and parked long-poll connections in all (one key). */
  total: SlotLimiter;
  /** Parked long-polls per IP. */
  polls: SlotLimiter;
  /** Failed API tokens per IP (a Bearer header or the /login form). */
  authFailures: FailureLimiter;
  /** History queries per IP. */
  history: KeyedRateLimiter;
  /** Plain requests in progress per IP. */
  requests: SlotLimiter;
}

/** Builds the limiters from the configuration. */
export function routeLimits(
  config: Config,
  clock: Clock,
  openFiles?: number,
): RouteLimits {
  return {
    connections: new SlotLimiter(config.maxConnectionsPerIp),
    total: new SlotLimiter(connectionCap(config.maxConnections, openFiles)),
    polls: new SlotLimiter(config.maxParkedPollsPerIp),
    authFailures: new FailureLimiter({
      clock,
      maxFailures: config.maxAuthFailuresPerIp,
      windowMs: config.authFailureWindowMs,
    }),
    requests: new SlotLimiter(config.maxRequestsPerIp),
    history: new KeyedRateLimiter({
      now: () => clock.monotonic(),
      perSecond: config.historyPerSecond,
    }),
  };
}

/** The client's IP as the runtime saw it (`unknown` in-process). */
export function clientIp(c: Context): string {
  const forwarded = c.get(FORWARDED_FOR as never) as string | undefined;
  if (forwarded) return forwarded;
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "unknown";
}

const FORWARDED_FOR = "forwardedFor";
const FORWARDED_PROTO = "forwardedProto";

/**
 * Behind a trusted proxy (`PULSE_TRUST_PROXY`), reads the client's address
 * from the last `X-Forwarded-For` entry (the one that proxy added; any
 * earlier ones are the client's own claims) and the scheme from
 * `X-Forwarded-Proto` into the context. Without it, both headers are
 * ignored: call it only when the proxy is trusted.
 */
export function readForwarded(c: Context): void {
  const last = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
  if (last && /^[0-9a-fA-F:.]{2,45}$/.test(last)) {
    c.set(FORWARDED_FOR as never, last as never);
  }
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim()
    .toLowerCase();
  if (proto === "https" || proto === "http") {
    c.set(FORWARDED_PROTO as never, proto as never);
  }
}

/** Whether the client reached the server over TLS (directly or via a trusted proxy). */
export function isHttps(c: Context): boolean {
  const forwarded = c.get(FORWARDED_PROTO as never) as string | undefined;
  return (forwarded ?? new URL(c.req.url).protocol.slice(0, -1)) === "https";
}

/**
 * Takes a slot for this client's address ({@linkcode clientIp}) or
 * refuses with 429.
 *
 * @throws {HttpError} 429 `rate_limited` with `Retry-After`.
 */
export function takeSlot(
  limiter: SlotLimiter,
  address: string,
  what: string,
  total?: SlotLimiter,
): () => void {
  // The server's own cap first: past it nobody gets in, whoever asks.
  const releaseTotal = total?.acquire("*");
  if (total && !releaseTotal) {
    throw new HttpError(
      503,
      "unavailable",
      `this server holds its maximum of ${total.max} open connections; retry shortly (or another instance)`,
      { headers: { "retry-after": "5" } },
    );
  }
  const release = limiter.acquire(address);
  if (!release) {
    releaseTotal?.();
    throw new HttpError(
      429,
      "rate_limited",
      `at most ${limiter.max} ${what} per client address; close one and retry`,
      { headers: { "retry-after": "5" } },
    );
  }
  return function releaseSlots() {
    release();
    releaseTotal?.();
  };
}

/**
 * The total connection cap: the configured one, or 80 % of the
 * open-files soft limit less 100 for the listener, the database, Redis
 * and upstream requests (10,000 where the limit is unknown).
 *
 * @param configured `PULSE_MAX_CONNECTIONS` (0: derive).
 * @param openFiles The soft limit of open files, when known.
 * @returns The cap.
 */
export function connectionCap(
  configured: number,
  openFiles: number | undefined,
): number {
  if (configured > 0) return configured;
  if (openFiles === undefined) return 10_000;
  return Math.max(16, Math.floor(openFiles * 0.8) - 100);
}

/** Paths with their own connection limits, not counted as plain requests. */
const STREAMS = new Set(["/api/ws", "/api/sse", "/api/poll"]);

/**
 * Takes one of the plain-request slots of this client's address (a flood
 * of slow or heavy requests from one client), or refuses with 429. Streams
 * and parked polls are counted by their own limits and get no slot.
 *
 * @returns The release, or `undefined` for a stream.
 * @throws {HttpError} 429 `rate_limited` with `Retry-After`.
 */
export function takeRequestSlot(
  limiter: SlotLimiter,
  c: Context,
): (() => void) | undefined {
  if (STREAMS.has(c.req.path)) return undefined;
  const release = limiter.acquire(clientIp(c));
  if (release) return release;
  throw new HttpError(
    429,
    "rate_limited",
    `at most ${limiter.max} requests in progress per client address; retry when one is answered`,
    { headers: { "retry-after": "1" } },
  );
}

/**
 * Refuses a declared request body over `maxBytes` with 413, before it is
 * read.
 *
 * @throws {HttpError} 413 `too_large`.
 */
export function checkDeclaredBody(
  maxBytes: number,
  c: Context,
  taker?: string,
): void {
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new HttpError(
      413,
      "too_large",
      taker
        ? `the body is ${declared} bytes; ${taker} accepts at most ${maxBytes}`
        : `request body over ${maxBytes} bytes`,
    );
  }
}
