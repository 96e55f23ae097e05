/**
 * Configuration: parsed once from the environment into a frozen, fully
 * resolved object that `main.ts` passes down. Long by design: one
 * declaration per setting, the single place each is named, described and
 * ranged (the docs table is generated from it).
 * Over 900 lines, mostly the settings table itself (one declaration a
 * variable, with its words for the generated docs); the parsing around it
 * is small. The table is the seam to split along, by area, when it grows.
 *
 * @module
 */
import { CalendarError, parseTimeZone, type WeekStart } from "./time/mod.ts";
import { didYouMean } from "./did_you_mean.ts";

/** The areas of the log that can have their own level. */
export const LOG_AREAS = [
  "sources",
  "alerts",
  "cluster",
  "http",
] as const;

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
  /** The lowest level logged. */
  /**
   * The lowest level logged, and the levels of single areas over it
   * (`info,alerts=debug`).
   */
  readonly logLevel: {
    readonly level: "debug" | "info" | "warn" | "error";
    readonly areas: Readonly<
      Record<string, "debug" | "info" | "warn" | "error">
    >;
  };
  /** How log lines look; `auto`: readable on a terminal, else JSON. */
  readonly logFormat: "auto" | "json" | "pretty";
  /** The IANA time zone reporting periods are counted in. */
  readonly timeZone: string;
  /** The day reporting weeks start on. */
  readonly weekStart: WeekStart;
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
  /** Server processes on the port: a count, or `auto` (one per core). */
  readonly workers: number | "auto";
  /** Shortest reconnect delay handed to clients, ms. */
  readonly reconnectBaseMs: number;
  /** Random spread added to it, ms. */
  readonly reconnectSpreadMs: number;
  /** Browser origins allowed besides the server's own (WebSocket, CORS). */
  readonly allowedOrigins: readonly string[];
  /** Host names served besides loopback ones; empty: the defaults. */
  readonly allowedHosts: readonly string[];
  /** Whether `X-Forwarded-For` and `X-Forwarded-Proto` are believed. */
  readonly trustProxy: boolean;
  /** Open WebSocket and SSE connections allowed per client IP. */
  readonly maxConnectionsPerIp: number;
  /** Open streaming connections in all (0: derived from the open-files limit). */
  readonly maxConnections: number;
  /** Long-polls parked at once per client IP. */
  readonly maxParkedPollsPerIp: number;
  /** Streams (WebSocket, SSE, parked polls) per API token or viewer link. */
  readonly maxStreamsPerCredential: number;
  /** Resident memory, MiB, past which new streams are refused (0: off). */
  readonly memoryBudgetMb: number;
  /** Plain requests in progress at once per client address. */
  readonly maxRequestsPerIp: number;
  /** History queries allowed per second per client address. */
  readonly historyPerSecond: number;
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
  /**
   * Serve the board without credentials on a non-loopback address
   * (`PULSE_OPEN_BOARD`); otherwise that is refused at start.
   */
  readonly openBoard: boolean;
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
  /** The variable at fault (the first, when several are). */
  readonly variable: string;
  /** Each variable's problem, when several were found at once. */
  readonly problems: readonly ConfigError[];
  /** Creates the error. */
  constructor(
    variable: string,
    message: string,
    options?: ErrorOptions & { problems?: readonly ConfigError[] },
  ) {
    super(message, options);
    this.name = "ConfigError";
    this.variable = variable;
    this.problems = options?.problems ?? [this];
  }
}

/** The environment as plain strings (main.ts passes `Deno.env.toObject()`). */
export type Env = Readonly<Record<string, string | undefined>>;

/** One environment variable: what it sets, what it means, how it parses. */
export interface Setting {
  /** The variable's name. */
  readonly variable: string;
  /** The {@linkcode Config} field it sets. */
  readonly key: keyof Config;
  /** What it does, for the docs (Markdown). */
  readonly meaning: string;
  /** What values are accepted, in words. */
  readonly accepted: string;
  /** The default, in words. */
  readonly fallback: string;
  /** Parses the variable (and, for a few, its neighbours). */
  readonly parse: (env: Env) => Config[keyof Config];
}

const DAY = 86_400_000;

/** An integer setting with its range and default. */
function int(
  variable: string,
  key: keyof Config,
  meaning: string,
  range: { min: number; max: number; fallback: number; fallbackText?: string },
): Setting {
  const { min, max, fallback } = range;
  return {
    variable,
    key,
    meaning,
    accepted: `${grouped(min)}-${grouped(max)}`,
    fallback: range.fallbackText ??
      `\`${fallback}\`${gloss(variable, fallback)}`,
    parse: (env) => integer(env, variable, fallback, min, max),
  };
}

/**
 * Every setting the server reads, in the order the docs list them
 * (docs/configuration.md is generated from this list; a test fails when
 * it is stale).
 */
export const SETTINGS: readonly Setting[] = Object.freeze([
  int(
    "PORT",
    "port",
    "listening port; `0` picks a free one (the URL is logged)",
    {
      min: 0,
      max: 65535,
      fallback: 8000,
    },
  ),
  {
    variable: "PULSE_HOST",
    key: "hostname",
    meaning: "listening address",
    accepted: "an address or host name",
    fallback: "`127.0.0.1`",
    parse: (env) => nonEmpty(env.PULSE_HOST) ?? "127.0.0.1",
  },
  {
    variable: "PULSE_DB",
    key: "dbPath",
    meaning:
      "SQLite file for the last figures, chart history and webhook events (created with its folder on demand)",
    accepted: "a path, or `:memory:`",
    fallback:
      "`./data/pulseboard.db`; `:memory:` when `DENO_DEPLOYMENT_ID` is set",
    parse: (env) =>
      nonEmpty(env.PULSE_DB) ??
        (isDeploy(env) ? ":memory:" : "./data/pulseboard.db"),
  },
  {
    variable: "PULSE_CONFIG",
    key: "sourcesPath",
    meaning:
      "the sources file: which upstreams to read (Kalshi, Anthropic costs, Stripe, any JSON endpoint, webhooks, SQLite); see [sources.md](sources.md). Validated at start; the server refuses to start on any mistake",
    accepted: "a JSON file path",
    fallback: "unset: the built-in simulator",
    parse: (env) => nonEmpty(env.PULSE_CONFIG),
  },
  int(
    "PULSE_SIM_INTERVAL_MS",
    "simIntervalMs",
    "how often the built-in simulator (no `PULSE_CONFIG`) changes something and is read",
    { min: 10, max: 3_600_000, fallback: 1000 },
  ),
  {
    variable: "PULSE_CURRENCY",
    key: "currency",
    meaning: "reporting currency (the sources file's `currency` wins)",
    accepted: "ISO 4217 code",
    fallback: "`USD`",
    parse: (env) => currency(env.PULSE_CURRENCY),
  },
  {
    variable: "PULSE_LOG_LEVEL",
    key: "logLevel",
    meaning:
      "the lowest level logged; areas of the log may have their own after a comma (`info,alerts=debug,cluster=warn`)",
    accepted:
      "`debug`, `info`, `warn` or `error`, then `area=level` pairs for the areas " +
      LOG_AREAS.map((a) => `\`${a}\``).join(", "),
    fallback: "`info`",
    parse: (env) => logLevels(env.PULSE_LOG_LEVEL),
  },
  {
    variable: "PULSE_LOG_FORMAT",
    key: "logFormat",
    meaning:
      "how log lines look: one JSON object per line, or one readable line (time, level, message, fields; errors with their causes)",
    accepted: "`json`, `pretty` or `auto`",
    fallback: "`auto`: `pretty` on a terminal, else `json`",
    parse: (env) =>
      choice(env, "PULSE_LOG_FORMAT", ["auto", "json", "pretty"], "auto"),
  },
  {
    variable: "PULSE_TIMEZONE",
    key: "timeZone",
    meaning:
      "the time zone of the reporting periods (today, week, month, quarter and year to date) and of the board's times; the sources file's `timezone` wins",
    accepted: "an IANA name such as `Europe/Berlin`",
    fallback: "`UTC`",
    parse: (env) => timeZone(env.PULSE_TIMEZONE),
  },
  {
    variable: "PULSE_WEEK_START",
    key: "weekStart",
    meaning: "the day reporting weeks start on",
    accepted: "`monday` or `sunday`",
    fallback: "`monday`",
    parse: (env) => weekStart(env.PULSE_WEEK_START),
  },
  {
    variable: "PULSE_CACHE_TTL_MS",
    key: "cacheTtlMs",
    meaning:
      "how long every polled source's reading counts as fresh in the cache tiers (a read inside it is answered without an upstream request); webhook sources are never cached",
    accepted: "0-86,400,000",
    fallback: "unset: half of each source's own interval",
    parse: (env) =>
      nonEmpty(env.PULSE_CACHE_TTL_MS) === undefined
        ? undefined
        : integer(env, "PULSE_CACHE_TTL_MS", 0, 0, DAY),
  },
  int(
    "PULSE_BATCH_MS",
    "batchMs",
    "coalescing window for deltas: at most one delta per window; a change after a quiet window goes out at once",
    { min: 0, max: 60_000, fallback: 100 },
  ),
  int(
    "PULSE_HISTORY_COUNT",
    "historyCount",
    "most deltas kept per topic for resumes; a resume from further back gets a snapshot (with Redis, the shared stream is read first)",
    { min: 0, max: 1_000_000, fallback: 1000 },
  ),
  int(
    "PULSE_HISTORY_MAX_AGE_MS",
    "historyMaxAgeMs",
    "oldest delta kept for resumes",
    { min: 0, max: DAY, fallback: 300_000 },
  ),
  int(
    "PULSE_HEARTBEAT_MS",
    "heartbeatMs",
    "silence after which a heartbeat is sent (checked every tenth of it, at most every second)",
    { min: 100, max: 300_000, fallback: 15_000 },
  ),
  int(
    "PULSE_WS_IDLE_TIMEOUT_S",
    "wsIdleTimeoutS",
    "seconds a WebSocket may leave the server's pings unanswered before it is closed",
    { min: 1, max: 3_600, fallback: 60 },
  ),
  int(
    "PULSE_MAX_FRAME_BYTES",
    "maxFrameBytes",
    "largest WebSocket frame accepted from a client (close 1009 past it)",
    { min: 256, max: 1_048_576, fallback: 16_384 },
  ),
  int(
    "PULSE_SLOW_CLIENT_BYTES",
    "slowClientBytes",
    "unsent bytes queued for one client above which it gets no live deltas until it drains to a quarter of this; then one composed catch-up",
    { min: 1_024, max: 67_108_864, fallback: 262_144 },
  ),
  int(
    "PULSE_SLOW_CLIENT_MS",
    "slowClientMs",
    "how long a client may stay backed up before it is closed (WebSocket 4008, SSE stream ended); it resumes on reconnect",
    { min: 100, max: 600_000, fallback: 15_000 },
  ),
  int(
    "PULSE_RECONNECT_BASE_MS",
    "reconnectBaseMs",
    "shortest reconnect delay handed to clients (the SSE `retry:` and a closing error's `retryAfterMs`)",
    { min: 0, max: 600_000, fallback: 1_000 },
  ),
  int(
    "PULSE_RECONNECT_SPREAD_MS",
    "reconnectSpreadMs",
    "random spread added to that delay, so clients do not all come back at once",
    { min: 0, max: 600_000, fallback: 4_000 },
  ),
  int(
    "PULSE_DRAIN_MS",
    "drainMs",
    "on shutdown, the window over which connections are closed (WebSocket 1001), in up to 20 waves, the first at once",
    { min: 0, max: 600_000, fallback: 3_000 },
  ),
  {
    variable: "REDIS_URL",
    key: "redisUrl",
    meaning:
      "Redis for scale-out (`redis://` or `rediss://`): the shared sequence, history and fan-out, the leader lease, webhook figures, and the L2 cache; see [operations.md](operations.md#several-instances-scale-out)",
    accepted: "URL",
    fallback: "unset: one instance",
    parse: (env) => redisUrl(env.REDIS_URL),
  },
  {
    variable: "PULSE_WORKERS",
    key: "workers",
    meaning:
      "server processes sharing the port (`reusePort`, Linux), started and kept running by a supervisor; they behave as one board, through Redis when `REDIS_URL` is set, else through the supervisor's local bus. Needs `--allow-run`; see [operations.md](operations.md#every-core-pulse_workers)",
    accepted: "1-64, or `auto` for one per core",
    fallback: "1: one process",
    parse: (env) => workers(env.PULSE_WORKERS),
  },
  int(
    "PULSE_LEASE_MS",
    "leaseMs",
    "with Redis: how long the leader lease lasts without renewal (another instance takes over within about 4/3 of it)",
    { min: 300, max: 60_000, fallback: 3_000 },
  ),
  int(
    "PULSE_HISTORY_RAW_MS",
    "historyRawMs",
    "how long raw chart points are kept before thinning to one a minute",
    { min: 60_000, max: 366 * DAY, fallback: 7 * DAY },
  ),
  int(
    "PULSE_HISTORY_KEEP_MS",
    "historyKeepMs",
    "how long thinned chart points are kept",
    { min: 60_000, max: 3660 * DAY, fallback: 90 * DAY },
  ),
  {
    variable: "PULSE_ALLOWED_ORIGINS",
    key: "allowedOrigins",
    meaning:
      "browser origins allowed, besides the server's own, to open WebSockets and to read the API cross-origin (CORS); behind a reverse proxy that changes the Host, list the public origin here",
    accepted: "comma-separated origins",
    fallback: "the server's own origin",
    parse: (env) => origins(env.PULSE_ALLOWED_ORIGINS),
  },
  {
    variable: "PULSE_ALLOWED_HOSTS",
    key: "allowedHosts",
    meaning:
      "Host header names served (against DNS rebinding); other names get 421 on every route. Loopback names are always served; behind a reverse proxy that keeps the Host, list the public name",
    accepted:
      "comma-separated names or addresses, `.example.com` for a domain and its subdomains, `*` for any",
    fallback:
      "loopback names, `PULSE_HOST` when it is a specific address, the hosts of `PULSE_ALLOWED_ORIGINS`; when `PULSE_HOST` is `0.0.0.0` or `::`, also this machine's name and addresses; any on Deno Deploy",
    parse: (env) => hosts(env.PULSE_ALLOWED_HOSTS),
  },
  {
    variable: "PULSE_TRUST_PROXY",
    key: "trustProxy",
    meaning:
      "behind one reverse proxy that sets them: take the client address from the last `X-Forwarded-For` entry (for per-address limits and lockouts) and the scheme from `X-Forwarded-Proto` (session cookies get `Secure` behind TLS). Never set it without such a proxy: clients could then pick their own address",
    accepted: "`true` or `false`",
    fallback: "`false`",
    parse: (env) => flag("PULSE_TRUST_PROXY", env.PULSE_TRUST_PROXY),
  },
  {
    variable: "PULSE_TOKENS",
    key: "tokens",
    meaning:
      "API tokens (comma-separated, 16+ characters each); when set, authentication is on (see [security.md](security.md))",
    accepted: "tokens",
    fallback: "unset: open",
    parse: (env) => tokens(env.PULSE_TOKENS),
  },
  {
    variable: "PULSE_OPEN_BOARD",
    key: "openBoard",
    meaning:
      "serve the board with no `PULSE_TOKENS` on an address other machines reach (`PULSE_HOST` not loopback): every machine on that network sees the figures and may use the console. Without it such a start is refused (protected mode, as Redis has)",
    accepted: "`true` or `false`",
    fallback: "`false`",
    parse: (env) => flag("PULSE_OPEN_BOARD", env.PULSE_OPEN_BOARD),
  },
  {
    variable: "PULSE_SESSION_SECRET",
    key: "sessionSecret",
    meaning:
      "key that signs session cookies, tickets and viewer links (32+ characters)",
    accepted: "string",
    fallback:
      "a generated key kept in Redis (with `REDIS_URL`), else in `PULSE_DB` + `.session-key` (mode 0600); per start only with an in-memory database",
    parse: (env) => secret(env.PULSE_SESSION_SECRET),
  },
  int(
    "PULSE_SESSION_TTL_MS",
    "sessionTtlMs",
    "how long a browser session (cookie) lasts",
    { min: 1_000, max: 30 * DAY, fallback: 12 * 3_600_000 },
  ),
  int(
    "PULSE_TICKET_TTL_MS",
    "ticketTtlMs",
    "how long a ticket from `POST /api/ticket` may open a connection",
    { min: 100, max: 3_600_000, fallback: 60_000 },
  ),
  int(
    "PULSE_MAX_CONNECTIONS",
    "maxConnections",
    "open WebSocket, SSE and parked long-poll connections in all, so they can never use up the file descriptors the listener, the database and Redis need (503 with `Retry-After` past it); `0` derives it from the open-files limit",
    {
      min: 0,
      max: 10_000_000,
      fallback: 0,
      fallbackText:
        "`0`: 80 % of the open-files limit less 100 (10,000 where the limit is unknown)",
    },
  ),
  int(
    "PULSE_MAX_CONNECTIONS_PER_IP",
    "maxConnectionsPerIp",
    "open WebSocket and SSE connections per client address (429 past it)",
    { min: 1, max: 1_000_000, fallback: 1_000 },
  ),
  int(
    "PULSE_MAX_PARKED_POLLS_PER_IP",
    "maxParkedPollsPerIp",
    "long-polls held at once per client address (429 past it)",
    { min: 1, max: 1_000_000, fallback: 200 },
  ),
  int(
    "PULSE_MAX_STREAMS_PER_CREDENTIAL",
    "maxStreamsPerCredential",
    "open WebSocket, SSE and parked long-poll connections per credential: one API token (with the sessions and tickets signed in with it) or one viewer link, from however many addresses (429 past it); an open board has no credentials and only the per-address limits",
    { min: 1, max: 1_000_000, fallback: 64 },
  ),
  int(
    "PULSE_MEMORY_BUDGET_MB",
    "memoryBudgetMb",
    "resident memory of the process, MiB, past which new WebSocket, SSE and long-poll connections are refused (503 with `Retry-After`; open ones go on), logged and shown in `/api/health`; `0` turns it off",
    { min: 0, max: 1_048_576, fallback: 1_024 },
  ),
  int(
    "PULSE_MAX_REQUESTS_PER_IP",
    "maxRequestsPerIp",
    "plain HTTP requests in progress at once per client address (streams and parked polls have their own limits); 429 with `Retry-After` past it",
    { min: 1, max: 1_000_000, fallback: 64 },
  ),
  int(
    "PULSE_HISTORY_PER_SECOND",
    "historyPerSecond",
    "`/api/history` queries per second per client address, bursts of twice that (429 with `Retry-After` past it)",
    { min: 1, max: 10_000, fallback: 5 },
  ),
  int(
    "PULSE_MAX_AUTH_FAILURES_PER_IP",
    "maxAuthFailuresPerIp",
    "wrong API tokens an address may send per window before it gets 429",
    { min: 1, max: 1_000_000, fallback: 10 },
  ),
  int(
    "PULSE_AUTH_FAILURE_WINDOW_MS",
    "authFailureWindowMs",
    "that window, from the address's first wrong token",
    { min: 1_000, max: DAY, fallback: 60_000 },
  ),
  int(
    "PULSE_WS_MESSAGES_PER_S",
    "wsMessagesPerSecond",
    "WebSocket messages a connection may send per second, bursts of twice that (close 1008 past it)",
    { min: 1, max: 10_000, fallback: 20 },
  ),
  int(
    "PULSE_MAX_SUBSCRIPTIONS",
    "maxSubscriptions",
    "subscriptions per WebSocket connection (`rate_limited` error past it)",
    { min: 1, max: 1_000, fallback: 16 },
  ),
  int(
    "PULSE_MAX_BODY_BYTES",
    "maxBodyBytes",
    "largest request body (413 past it); a push to `/api/ingest/<id>` has its source's own limit instead (a webhook's `maxBodyBytes`, 256 KiB for Stripe's events)",
    { min: 1_024, max: 67_108_864, fallback: 65_536 },
  ),
  {
    variable: "DENO_DEPLOYMENT_ID",
    key: "deploy",
    meaning:
      "set by Deno Deploy: no writable disk is assumed (`PULSE_DB` defaults to `:memory:`)",
    accepted: "any",
    fallback: "unset",
    parse: isDeploy,
  },
]);

/**
 * Resolves the configuration from environment variables
 * ({@linkcode SETTINGS}; PROTOCOL.md's table is a part of it).
 *
 * @param env The environment.
 * @returns The frozen configuration.
 * @throws {ConfigError} Naming the variable, the value and what is accepted;
 *   with several wrong, every one of them (its `problems`).
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
  const config: Record<string, unknown> = {};
  // Every variable's problem at once, not the first alone.
  const problems: ConfigError[] = [];
  for (const setting of SETTINGS) {
    try {
      config[setting.key] = setting.parse(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
    }
  }
  // Workers without Redis share the database file: each would have its
  // own empty one in memory, and a webhook taken by one would be lost to
  // the leader.
  if (
    config.workers !== undefined && config.workers !== 1 &&
    config.redisUrl === undefined && config.dbPath === ":memory:"
  ) {
    problems.push(
      new ConfigError(
        "PULSE_WORKERS",
        `PULSE_WORKERS=${
          String(config.workers)
        } without REDIS_URL needs a database file the workers share; PULSE_DB is ":memory:". Set PULSE_DB to a file path, or set REDIS_URL`,
      ),
    );
  }
  // Protected mode: an open board is for this machine alone unless the
  // operator says otherwise (Deno Deploy's public URL is the platform's).
  const host = String(config.hostname ?? "");
  if (
    (config.tokens as readonly string[] | undefined)?.length === 0 &&
    !config.openBoard && !config.deploy && !isLoopbackHost(host)
  ) {
    problems.push(
      new ConfigError(
        "PULSE_HOST",
        `PULSE_HOST=${host} would show the board to every machine that can reach this one, with no credentials (PULSE_TOKENS is not set). Set PULSE_TOKENS (operators sign in; screens get viewer links), or PULSE_OPEN_BOARD=true if every machine on that network may see the figures and use the console`,
      ),
    );
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    throw new ConfigError(
      problems[0]!.variable,
      `${problems.length} problems in the environment:\n${
        problems.map((p) => `- ${p.message}`).join("\n")
      }`,
      { problems },
    );
  }
  return Object.freeze(config) as unknown as Config;
}

/** A `PULSE_*` variable that no setting reads: likely a typo. */
export interface UnknownVariable {
  /** The variable as set. */
  variable: string;
  /** The setting it probably meant, when one is close. */
  suggestion?: string;
  /** One sentence for the log. */
  message: string;
}

/**
 * The `PULSE_*` variables in the environment that no setting reads (a
 * misspelt `PULSE_CURENCY` is silently ignored otherwise), each with a
 * did-you-mean.
 *
 * @param env The environment.
 * @param used Variables read elsewhere (a sources file's secrets).
 * @returns One warning per unknown variable, sorted by name.
 *
 * @example A typo
 * ```ts
 * import assert from "node:assert/strict";
 * import { unknownVariables } from "@/lib/config.ts";
 * const [w] = unknownVariables({ PULSE_CURENCY: "EUR" });
 * assert.equal(w?.suggestion, "PULSE_CURRENCY");
 * ```
 */
export function unknownVariables(
  env: Env,
  used: Iterable<string> = [],
): UnknownVariable[] {
  const known = SETTINGS.map((s) => s.variable);
  const skip = new Set([...known, ...used]);
  return Object.keys(env)
    .filter((name) => name.startsWith("PULSE_") && !skip.has(name))
    .sort()
    .map((variable) => {
      // PULSE_PORT, PULSE_REDIS_URL: the setting has no prefix.
      const bare = variable.slice("PULSE_".length);
      const suggestion = known.includes(bare) ? bare : didYouMean(
        variable,
        known.filter((k) => k.startsWith("PULSE_")),
      );
      return {
        variable,
        ...(suggestion ? { suggestion } : {}),
        message: `${variable} is not a Pulseboard setting and is ignored${
          suggestion ? ` (did you mean ${suggestion}?)` : ""
        }; the settings are listed in docs/configuration.md`,
      };
    });
}

/** Whether a listening address reaches this machine alone. */
function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function isDeploy(env: Env): boolean {
  return nonEmpty(env.DENO_DEPLOYMENT_ID) !== undefined;
}

/** `86400000` -> ` (1 day)`: a reading aid for long durations. */
function gloss(variable: string, value: number): string {
  if (!variable.endsWith("_MS") || value < 3_600_000) return "";
  const [n, unit] = value % DAY === 0 ? [value / DAY, "day"] : [
    value / 3_600_000,
    "h",
  ];
  return unit === "h" ? ` (${n} h)` : ` (${n} ${n === 1 ? "day" : "days"})`;
}

/** `65535` -> `65,535`. */
function grouped(n: number): string {
  return n.toLocaleString("en-US");
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

function workers(value: string | undefined): number | "auto" {
  const raw = nonEmpty(value)?.toLowerCase();
  if (raw === undefined) return 1;
  if (raw === "auto") return "auto";
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (n >= 1 && n <= 64) return n;
  throw new ConfigError(
    "PULSE_WORKERS",
    `PULSE_WORKERS must be a whole number from 1 to 64, or "auto" for one per core, received ${
      JSON.stringify(value)
    }`,
  );
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

function timeZone(value: string | undefined): string {
  try {
    return parseTimeZone(nonEmpty(value) ?? "UTC");
  } catch (error) {
    if (!(error instanceof CalendarError)) throw error;
    throw new ConfigError(
      "PULSE_TIMEZONE",
      `PULSE_TIMEZONE: ${error.message}`,
      { cause: error },
    );
  }
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/** `info,alerts=debug` as the default level and each area's. */
function logLevels(value: string | undefined): {
  level: typeof LEVELS[number];
  areas: Record<string, typeof LEVELS[number]>;
} {
  const [first = "", ...pairs] = (nonEmpty(value) ?? "info").toLowerCase()
    .split(",").map((p) => p.trim());
  const level = (a: string, where: string) => {
    if (!(LEVELS as readonly string[]).includes(a)) {
      throw new ConfigError(
        "PULSE_LOG_LEVEL",
        `PULSE_LOG_LEVEL: ${where} must be one of ${
          LEVELS.map((l) => `"${l}"`).join(", ")
        }, received ${shown(a)}`,
      );
    }
    return a as typeof LEVELS[number];
  };
  const areas: Record<string, typeof LEVELS[number]> = {};
  for (const pair of pairs) {
    const [area = "", lvl = ""] = pair.split("=").map((p) => p.trim());
    if (!(LOG_AREAS as readonly string[]).includes(area)) {
      const near = didYouMean(area, LOG_AREAS);
      throw new ConfigError(
        "PULSE_LOG_LEVEL",
        `PULSE_LOG_LEVEL: unknown area ${shown(area)}${
          near ? ` (did you mean "${near}"?)` : ""
        }; the areas are ${LOG_AREAS.map((a) => `"${a}"`).join(", ")}`,
      );
    }
    areas[area] = level(lvl, `the level of ${area}`);
  }
  return { level: level(first, "the level"), areas };
}

function choice<T extends string>(
  env: Env,
  variable: string,
  accepted: readonly T[],
  fallback: T,
): T {
  const raw = nonEmpty(env[variable])?.toLowerCase() ?? fallback;
  if (!(accepted as readonly string[]).includes(raw)) {
    throw new ConfigError(
      variable,
      `${variable} must be one of ${
        accepted.map((a) => `"${a}"`).join(", ")
      }, received ${shown(raw)}`,
    );
  }
  return raw as T;
}

function weekStart(value: string | undefined): WeekStart {
  const raw = nonEmpty(value)?.toLowerCase() ?? "monday";
  if (raw !== "monday" && raw !== "sunday") {
    throw new ConfigError(
      "PULSE_WEEK_START",
      `PULSE_WEEK_START must be "monday" or "sunday", received ${shown(raw)}`,
    );
  }
  return raw;
}

function flag(name: string, value: string | undefined): boolean {
  const raw = nonEmpty(value)?.toLowerCase();
  if (raw === undefined || raw === "false" || raw === "0") return false;
  if (raw === "true" || raw === "1") return true;
  throw new ConfigError(
    name,
    `${name} must be true or false, received ${
      JSON.stringify(raw.slice(0, 40))
    }`,
  );
}

function hosts(value: string | undefined): readonly string[] {
  const raw = nonEmpty(value);
  if (raw === undefined) return Object.freeze([]);
  return Object.freeze(
    raw.split(",").map((part) => part.trim().toLowerCase()).filter(Boolean)
      .map((part) => {
        const name = part.replace(/^\[(.*)\]$/, "$1");
        if (
          name !== "*" &&
          !/^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/
            .test(name) &&
          !/^[0-9a-f:.]+$/.test(name)
        ) {
          throw new ConfigError(
            "PULSE_ALLOWED_HOSTS",
            `PULSE_ALLOWED_HOSTS must be comma-separated host names or addresses without scheme or port (board.example.com, .example.com, 10.0.0.5, ::1, or *), received ${
              JSON.stringify(part.slice(0, 80))
            }`,
          );
        }
        return name;
      }),
  );
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
