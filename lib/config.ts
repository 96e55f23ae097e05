/**
 * Configuration: parsed once from the environment into a frozen, fully
 * resolved object that `main.ts` passes down.
 *
 * @module
 */

/** The resolved configuration. */
export interface Config {
  /** Listening port; `0` picks a free one. */
  readonly port: number;
  /** Listening address. */
  readonly hostname: string;
  /** Redis URL, when scale-out is wanted. */
  readonly redisUrl?: string;
  /** SQLite path, or `:memory:`. */
  readonly dbPath: string;
  /** Sources file, when not the simulator. */
  readonly sourcesPath?: string;
  /** How often the simulator changes something, ms. */
  readonly simIntervalMs: number;
  /** Coalescing window for deltas, ms. */
  readonly batchMs: number;
  /**
   * How long every polled source's reading counts as fresh in the cache,
   * ms; unset: half of each source's interval.
   */
  readonly cacheTtlMs?: number;
  /** How long raw history points are kept before thinning, ms. */
  readonly historyRawMs: number;
  /** How long thinned history points are kept, ms. */
  readonly historyKeepMs: number;
  /** Largest accepted WebSocket frame, bytes. */
  readonly maxFrameBytes: number;
  /** Silence after which a heartbeat is sent, ms. */
  readonly heartbeatMs: number;
  /** Seconds a WebSocket may leave pings unanswered before it is closed. */
  readonly wsIdleTimeoutS: number;
  /** Reporting currency. */
  readonly currency: string;
  /** Most deltas kept per topic for resume. */
  readonly historyCount: number;
  /** Oldest delta kept for resume, ms. */
  readonly historyMaxAgeMs: number;
  /** Backlog above which a client gets no live deltas until it drains, bytes. */
  readonly slowClientBytes: number;
  /** How long a client may stay backed up before it is closed, ms. */
  readonly slowClientMs: number;
  /** Window over which shutdown closes connections, ms. */
  readonly drainMs: number;
  /** How long the leader's lease lasts without renewal (with Redis), ms. */
  readonly leaseMs: number;
  /** Shortest reconnect delay handed to clients, ms. */
  readonly reconnectBaseMs: number;
  /** Random spread added to it, ms. */
  readonly reconnectSpreadMs: number;
  /** Browser origins allowed besides the server's own (WebSocket, CORS). */
  readonly allowedOrigins: readonly string[];
  /** Open WebSocket and SSE connections allowed per client IP. */
  readonly maxConnectionsPerIp: number;
  /** Long-polls parked at once per client IP. */
  readonly maxParkedPollsPerIp: number;
  /** Failed tokens a client may send per window before it must wait. */
  readonly maxAuthFailuresPerIp: number;
  /** That window, ms. */
  readonly authFailureWindowMs: number;
  /** WebSocket messages per second per connection (bursts of twice that). */
  readonly wsMessagesPerSecond: number;
  /** Subscriptions per WebSocket connection. */
  readonly maxSubscriptions: number;
  /** Largest request body accepted, bytes. */
  readonly maxBodyBytes: number;
  /** API tokens; when any is set, authentication is on. */
  readonly tokens: readonly string[];
  /** How long a browser session lasts, ms. */
  readonly sessionTtlMs: number;
  /** How long a ticket may be used to open a connection, ms. */
  readonly ticketTtlMs: number;
  /** Key for session cookies and tickets; random per start when unset. */
  readonly sessionSecret?: string;
  /** Running on Deno Deploy (no writable disk assumed). */
  readonly deploy: boolean;
}

/** An environment variable holds a value the server cannot use. */
export class ConfigError extends Error {
  /** The variable at fault. */
  readonly variable: string;
  /** Creates the error. */
  constructor(variable: string, message: string) {
    super(message);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

/** The environment as plain strings (main.ts passes `Deno.env.toObject()`). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves the configuration from environment variables (PROTOCOL.md's table).
 *
 * @param env The environment.
 * @returns The frozen configuration.
 * @throws {ConfigError} Naming the variable, the value and what is accepted.
 *
 * @example Defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "@/lib/config.ts";
 * const config = parseConfig({});
 * assert.equal(config.port, 8000);
 * assert.equal(config.dbPath, "./data/pulseboard.db");
 * assert.equal(parseConfig({ DENO_DEPLOYMENT_ID: "x" }).dbPath, ":memory:");
 * ```
 */
export function parseConfig(env: Env): Config {
  const deploy = nonEmpty(env.DENO_DEPLOYMENT_ID) !== undefined;
  return Object.freeze({
    port: integer(env, "PORT", 8000, 0, 65535),
    hostname: nonEmpty(env.PULSE_HOST) ?? "127.0.0.1",
    redisUrl: redisUrl(env.REDIS_URL),
    dbPath: nonEmpty(env.PULSE_DB) ??
      (deploy ? ":memory:" : "./data/pulseboard.db"),
    sourcesPath: nonEmpty(env.PULSE_CONFIG),
    simIntervalMs: integer(env, "PULSE_SIM_INTERVAL_MS", 1000, 10, 3_600_000),
    batchMs: integer(env, "PULSE_BATCH_MS", 100, 0, 60_000),
    // Unset: half of each source's interval, so each poll reads upstream.
    cacheTtlMs: nonEmpty(env.PULSE_CACHE_TTL_MS) === undefined
      ? undefined
      : integer(env, "PULSE_CACHE_TTL_MS", 0, 0, 86_400_000),
    historyRawMs: integer(
      env,
      "PULSE_HISTORY_RAW_MS",
      7 * 86_400_000,
      60_000,
      366 * 86_400_000,
    ),
    historyKeepMs: integer(
      env,
      "PULSE_HISTORY_KEEP_MS",
      90 * 86_400_000,
      60_000,
      3660 * 86_400_000,
    ),
    maxFrameBytes: integer(
      env,
      "PULSE_MAX_FRAME_BYTES",
      16_384,
      256,
      1_048_576,
    ),
    heartbeatMs: integer(env, "PULSE_HEARTBEAT_MS", 15_000, 100, 300_000),
    wsIdleTimeoutS: integer(env, "PULSE_WS_IDLE_TIMEOUT_S", 60, 1, 3_600),
    currency: currency(env.PULSE_CURRENCY),
    historyCount: integer(env, "PULSE_HISTORY_COUNT", 1000, 0, 1_000_000),
    historyMaxAgeMs: integer(
      env,
      "PULSE_HISTORY_MAX_AGE_MS",
      300_000,
      0,
      86_400_000,
    ),
    slowClientBytes: integer(
      env,
      "PULSE_SLOW_CLIENT_BYTES",
      262_144,
      1_024,
      67_108_864,
    ),
    slowClientMs: integer(env, "PULSE_SLOW_CLIENT_MS", 15_000, 100, 600_000),
    drainMs: integer(env, "PULSE_DRAIN_MS", 3_000, 0, 600_000),
    leaseMs: integer(env, "PULSE_LEASE_MS", 3_000, 300, 60_000),
    reconnectBaseMs: integer(env, "PULSE_RECONNECT_BASE_MS", 1_000, 0, 600_000),
    reconnectSpreadMs: integer(
      env,
      "PULSE_RECONNECT_SPREAD_MS",
      4_000,
      0,
      600_000,
    ),
    allowedOrigins: origins(env.PULSE_ALLOWED_ORIGINS),
    maxConnectionsPerIp: integer(
      env,
      "PULSE_MAX_CONNECTIONS_PER_IP",
      1_000,
      1,
      1_000_000,
    ),
    maxParkedPollsPerIp: integer(
      env,
      "PULSE_MAX_PARKED_POLLS_PER_IP",
      200,
      1,
      1_000_000,
    ),
    maxAuthFailuresPerIp: integer(
      env,
      "PULSE_MAX_AUTH_FAILURES_PER_IP",
      10,
      1,
      1_000_000,
    ),
    authFailureWindowMs: integer(
      env,
      "PULSE_AUTH_FAILURE_WINDOW_MS",
      60_000,
      1_000,
      86_400_000,
    ),
    wsMessagesPerSecond: integer(env, "PULSE_WS_MESSAGES_PER_S", 20, 1, 10_000),
    maxSubscriptions: integer(env, "PULSE_MAX_SUBSCRIPTIONS", 16, 1, 1_000),
    maxBodyBytes: integer(
      env,
      "PULSE_MAX_BODY_BYTES",
      65_536,
      1_024,
      67_108_864,
    ),
    tokens: tokens(env.PULSE_TOKENS),
    sessionTtlMs: integer(
      env,
      "PULSE_SESSION_TTL_MS",
      12 * 3_600_000,
      1_000,
      30 * 86_400_000,
    ),
    ticketTtlMs: integer(env, "PULSE_TICKET_TTL_MS", 60_000, 100, 3_600_000),
    sessionSecret: secret(env.PULSE_SESSION_SECRET),
    deploy,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      name,
      `${name} must be an integer from ${min} to ${max}, received ${
        shown(raw)
      }`,
    );
  }
  return value;
}

function redisUrl(value: string | undefined): string | undefined {
  const raw = nonEmpty(value);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new ConfigError(
      "REDIS_URL",
      "REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, received a value that is not",
    );
  }
  return raw;
}

function currency(value: string | undefined): string {
  const raw = nonEmpty(value) ?? "USD";
  if (!/^[A-Z]{3}$/.test(raw)) {
    throw new ConfigError(
      "PULSE_CURRENCY",
      `PULSE_CURRENCY must be an ISO 4217 code such as USD, received ${
        shown(raw)
      }`,
    );
  }
  return raw;
}

function origins(value: string | undefined): readonly string[] {
  const raw = nonEmpty(value);
  if (raw === undefined) return Object.freeze([]);
  return Object.freeze(
    raw.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
      let url: URL | undefined;
      try {
        url = new URL(part);
      } catch {
        url = undefined;
      }
      if (
        !url || (url.protocol !== "http:" && url.protocol !== "https:") ||
        url.origin !== part.replace(/\/$/, "")
      ) {
        throw new ConfigError(
          "PULSE_ALLOWED_ORIGINS",
          `PULSE_ALLOWED_ORIGINS must be comma-separated origins such as https://board.example.com (scheme, host and port only), received ${
            JSON.stringify(part.slice(0, 80))
          }`,
        );
      }
      return url.origin;
    }),
  );
}

function tokens(value: string | undefined): readonly string[] {
  const list = (nonEmpty(value) ?? "").split(",").map((t) => t.trim()).filter(
    Boolean,
  );
  for (const t of list) {
    if (t.length < 16 || /\s/.test(t)) {
      // The value itself is never echoed: it is a secret.
      throw new ConfigError(
        "PULSE_TOKENS",
        "PULSE_TOKENS must be comma-separated tokens of at least 16 characters without spaces; one is shorter or has a space",
      );
    }
  }
  return Object.freeze(list);
}

function secret(value: string | undefined): string | undefined {
  const raw = nonEmpty(value);
  if (raw !== undefined && raw.length < 32) {
    throw new ConfigError(
      "PULSE_SESSION_SECRET",
      "PULSE_SESSION_SECRET must be at least 32 characters (for example: openssl rand -hex 32)",
    );
  }
  return raw;
}

/** A value for an error message: quoted, and cut short when long. */
function shown(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}...` : raw);
}
