/**
 * Per-client limits at the HTTP boundary, over `lib/resilience`'s
 * SlotLimiter: open WebSocket and SSE connections per IP, parked
 * long-polls per IP, streams per credential, the process's memory budget
 * and request body size. Refusals are the documented 429 or 503 (with
 * Retry-After) and 413.
 */
import type { Context } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import {
  KeyedRateLimiter,
  MemoryBudget,
  SlotLimiter,
} from "@/lib/resilience/mod.ts";
import type { Logger } from "@/lib/log.ts";
import { openFilesLimit } from "./listener.ts";
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
  /** WebSocket, SSE and parked long-polls per credential. */
  perCredential: SlotLimiter;
  /** New streams are refused while the process is over it. */
  memory?: MemoryBudget;
  /** Failed API tokens per IP (a Bearer header or the /login form). */
  authFailures: FailureLimiter;
  /** History queries per IP. */
  history: KeyedRateLimiter;
  /** Plain requests in progress per IP. */
  requests: SlotLimiter;
  /** Told of each stream refused, by reason (metrics). */
  onStreamRefused?: (reason: StreamRefusal) => void;
}

/** Why a new stream was refused. */
export type StreamRefusal = "memory" | "capacity" | "credential" | "address";

/** What the limiters are sized and told by, besides the configuration. */
export interface RouteLimitsOptions {
  /** The process's soft limit of open files, when known. */
  openFiles?: number;
  /** The memory budget new streams are refused past. */
  memory?: MemoryBudget;
  /** Told of each stream refused, by reason. */
  onStreamRefused?: (reason: StreamRefusal) => void;
}

/** Builds the limiters from the configuration. */
export function routeLimits(
  config: Config,
  clock: Clock,
  options: RouteLimitsOptions = {},
): RouteLimits {
  const { openFiles, memory, onStreamRefused } = options;
  return {
    ...(memory ? { memory } : {}),
    ...(onStreamRefused ? { onStreamRefused } : {}),
    perCredential: new SlotLimiter(config.maxStreamsPerCredential),
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
 * The process memory budget of `PULSE_MEMORY_BUDGET_MB` over the
 * runtime's resident-memory figure, logged when crossed either way.
 *
 * @param config The budget.
 * @param clock Its monotonic time spaces the readings.
 * @param log Where the crossings are said.
 * @returns The budget (off at 0).
 */
export function processMemoryBudget(
  config: Pick<Config, "memoryBudgetMb">,
  clock: Clock,
  log: Logger,
): MemoryBudget {
  return new MemoryBudget({
    limitBytes: config.memoryBudgetMb * 1_048_576,
    read: () => Deno.memoryUsage().rss,
    now: () => clock.monotonic(),
    onChange: (over, rss) =>
      log[over ? "warn" : "info"](
        over
          ? "memory budget reached: new connections are refused"
          : "back under the memory budget: new connections are taken",
        {
          rssMb: Math.round(rss / 1_048_576),
          budgetMb: config.memoryBudgetMb,
        },
      ),
  });
}

/** What bounds this process: descriptors and memory. */
export interface ProcessLimits {
  /** The soft limit of open files, when known. */
  openFiles?: number;
  /** The memory budget new streams are refused past. */
  memory: MemoryBudget;
}

/**
 * This process's limits: its open-files limit and its memory budget.
 *
 * @param config The memory budget.
 * @param clock Spaces the memory readings.
 * @param log Where crossing the budget is said.
 * @returns The limits.
 */
export async function processLimits(
  config: Pick<Config, "memoryBudgetMb">,
  clock: Clock,
  log: Logger,
): Promise<ProcessLimits> {
  const openFiles = await openFilesLimit();
  return {
    ...(openFiles !== undefined ? { openFiles } : {}),
    memory: processMemoryBudget(config, clock, log),
  };
}

/** Who opens a stream: the address, and the credential when there is one. */
export interface StreamOpener {
  /** The client's address ({@linkcode clientIp}). */
  address: string;
  /** The credential's key (a token's or a viewer link's), when auth is on. */
  credential?: string;
}

/**
 * Takes the slots a new stream needs, in order: room under the memory
 * budget and the server's total (503, whoever asks), then the
 * credential's and the address's own (429); or refuses, holding none.
 *
 * @param limits The app's limiters.
 * @param kind Open connections (WebSocket, SSE) or parked long-polls.
 * @param who The address and credential.
 * @returns The release of every slot taken.
 * @throws {HttpError} 503 `unavailable` or 429 `rate_limited`, with
 *   `Retry-After`.
 */
export function takeStreamSlot(
  limits: RouteLimits,
  kind: "connections" | "polls",
  who: StreamOpener,
): () => void {
  if (limits.memory?.over()) {
    limits.onStreamRefused?.("memory");
    throw new HttpError(
      503,
      "unavailable",
      `this server is over its memory budget of ${
        Math.round(limits.memory.limitBytes / 1_048_576)
      } MiB and takes no new connections for now; retry shortly (or another instance)`,
      { headers: { "retry-after": "5" } },
    );
  }
  const releases: (() => void)[] = [];
  const releaseAll = () => releases.forEach((release) => release());
  const take = (
    limiter: SlotLimiter,
    key: string,
    reason: StreamRefusal,
    refuse: () => HttpError,
  ) => {
    const release = limiter.acquire(key);
    if (!release) {
      releaseAll();
      limits.onStreamRefused?.(reason);
      throw refuse();
    }
    releases.push(release);
  };
  // The server's own cap first: past it nobody gets in, whoever asks.
  take(limits.total, "*", "capacity", () =>
    new HttpError(
      503,
      "unavailable",
      `this server holds its maximum of ${limits.total.max} open connections; retry shortly (or another instance)`,
      { headers: { "retry-after": "5" } },
    ));
  if (who.credential !== undefined) {
    take(
      limits.perCredential,
      who.credential,
      "credential",
      () =>
        new HttpError(
          429,
          "rate_limited",
          `at most ${limits.perCredential.max} open connections per credential (this token or share link, from every address together); close one and retry, or give each screen its own link`,
          { headers: { "retry-after": "5" } },
        ),
    );
  }
  const what = kind === "polls" ? "parked long-polls" : "open connections";
  take(limits[kind], who.address, "address", () =>
    new HttpError(
      429,
      "rate_limited",
      `at most ${
        limits[kind].max
      } ${what} per client address; close one and retry`,
      { headers: { "retry-after": "5" } },
    ));
  return function releaseSlots() {
    releaseAll();
    releases.length = 0;
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
