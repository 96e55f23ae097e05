// deno-lint-ignore-file no-console -- a command-line entry point: the terminal is its interface
/**
 * The composition root: environment -> parseConfig -> build the parts ->
 * serve. Also the only place that reads `Deno.env` and writes to the console.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildPnlState,
  isPnlState,
  markStale,
  PnlPoller,
  type PnlState,
  reportsOf,
} from "@/lib/aggregate/mod.ts";
import {
  type CacheTier,
  MemoryTier,
  RedisIngest,
  RedisTier,
  SqliteStore,
  StoreError,
  TieredCache,
} from "@/lib/cache/mod.ts";
import {
  type Config,
  ConfigError,
  type Env,
  parseConfig,
} from "@/lib/config.ts";
import { judgeHealth } from "@/lib/health.ts";
import { createLogger, type Logger } from "@/lib/log.ts";
import { createPulseMetrics } from "@/lib/pulse_metrics.ts";
import { UpstreamHttpError } from "@/lib/resilience/mod.ts";
import { Authenticator } from "@/lib/security/mod.ts";
import { LeaderLease, RedisBus } from "@/lib/cluster/mod.ts";
import {
  createSources,
  type DeclaredSource,
  guardSource,
  IngestError,
  loadSourcesFile,
  type Reading,
  Simulator,
  SourcesFileError,
  WebhookSource,
} from "@/lib/sources/mod.ts";
import {
  CLOSE_CODES,
  ConnectionRegistry,
  HeartbeatTicker,
  Hub,
  type JsonObject,
  type StreamEvent,
  type StreamOptions,
} from "@/lib/stream/mod.ts";
import { type Clock, systemClock, systemRandom } from "@/lib/time/mod.ts";
import { createApp } from "@/routes/mod.ts";

/** How long webhook event ids are remembered for deduplication. */
const INGEST_DEDUPE_MS = 30 * 86_400_000;
const STATIC_DIR = fileURLToPath(new URL("./static", import.meta.url));

/** A running server and the way to stop it. */
export interface RunningServer {
  /** The URL it listens on. */
  url: string;
  /** Stops polling, tells clients to go away, saves, and closes everything. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/**
 * Builds every part from the configuration and starts serving.
 *
 * @param config The resolved configuration.
 * @param log Where events go.
 * @param clock Time source.
 * @param env The environment, where the sources file's secrets are read.
 * @returns The running server.
 * @throws {StoreError} When the database cannot be opened.
 * @throws {SourcesFileError} When the sources file cannot be used.
 */
export async function startServer(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
  env: Env = {},
): Promise<RunningServer> {
  // Read before anything is opened: a bad file refuses the start at once.
  const sourcesFile = config.sourcesPath
    ? await loadSourcesFile(config.sourcesPath, config.currency)
    : undefined;
  const currency = sourcesFile?.currency ?? config.currency;
  if (config.dbPath !== ":memory:") {
    try {
      const folder = dirname(config.dbPath);
      if (!existsSync(folder)) Deno.mkdirSync(folder, { recursive: true });
    } catch (cause) {
      throw new StoreError(
        config.dbPath,
        `Cannot create the folder for the database at ${config.dbPath}: ${
          (cause as Error).message
        }. Create it, or set PULSE_DB to a writable path or ":memory:"`,
        { cause },
      );
    }
  }
  const store = SqliteStore.open(config.dbPath, {
    rawMs: config.historyRawMs,
    keepMs: config.historyKeepMs,
  });
  const stored = store.loadSnapshot("pnl");
  const restored = stored && isPnlState(stored.state)
    ? stored.state
    : undefined;
  if (restored) {
    log.info("restored last figures", {
      db: config.dbPath,
      savedAt: new Date(stored!.savedAt).toISOString(),
    });
  }
  const initial: PnlState = restored
    ? markStale(restored, "L3")
    : buildPnlState({}, currency);

  // One history point a second at most; retention runs once an hour.
  let lastPointAt = 0;
  let lastPruneAt = 0;
  const recordHistory = (now: number, state: PnlState) => {
    if (now - lastPointAt < 1_000) return;
    lastPointAt = now;
    store.history.record("pnl", { at: now, ...state.totals });
    if (now - lastPruneAt >= 3_600_000) {
      lastPruneAt = now;
      store.history.prune("pnl", now);
      // Redeliveries come within days; ids older than the window are let go.
      store.ingest.prune(now - INGEST_DEDUPE_MS);
    }
  };

  let stopping: Promise<void> | undefined;
  // Assigned once the server listens; read by /metrics and /api/health,
  // which may be asked before that.
  // deno-lint-ignore prefer-const -- assigned below, after the server listens
  let lease: LeaderLease | undefined;
  const redisUp = () => (l2?.up ?? false) && (bus?.up ?? true);
  // Read at scrape time; every part below exists by the time anyone scrapes.
  const pulse = createPulseMetrics({
    connections: () => connections.counts(),
    breakers: () =>
      Object.fromEntries(guarded.map((g) => [g.id, g.breakerState])),
    tiers: () => cache.tiers as CacheTier<unknown>[],
    redisUp: () => config.redisUrl ? redisUp() : undefined,
    topics: () =>
      Object.fromEntries(hub.topics.map((t) => [t, hub.position(t).seq])),
    leader: () => lease ? lease.leader : true,
  });

  // With Redis, the P&L topic is shared by every instance: one seq, one
  // epoch, one history; the leader publishes, everyone fans out.
  const bus: RedisBus | undefined = config.redisUrl
    ? new RedisBus({
      url: config.redisUrl,
      clock,
      shared: ["pnl"],
      states: (topic): JsonObject => hub.state(topic),
      newEpoch: randomEpoch,
      onSync: (epoch, topics) => {
        const before = hub.epoch;
        hub.sync(epoch, topics);
        if (hub.epoch !== before) log.info("joined epoch", { epoch, before });
      },
      historyCount: config.historyCount,
      onError: (error) => log.warn("redis bus", { error }),
      // A delivery taken by any instance makes the leader read it at once.
      onNotice: (kind, payload) => {
        if (kind === "ingest") poller?.refresh(payload);
      },
      onUpChange: (up) =>
        log[up ? "info" : "warn"](up ? "redis reachable" : "redis unreachable"),
    })
    : undefined;
  let lastPublishError = "";
  const hub: Hub = new Hub({
    clock,
    bus,
    // A resume older than this instance's history reads the Redis Stream.
    olderHistory: bus
      ? (topic, since) => bus.readAfter(topic, since)
      : undefined,
    onPublishError: (topic, error) => {
      // Logged when the reason changes, not at every retry.
      const reason = error instanceof Error ? error.message : String(error);
      if (reason !== lastPublishError) {
        log.warn("publish refused", { topic, reason });
      }
      lastPublishError = reason;
    },
    topics: { pnl: initial, admin: {} },
    batchMs: config.batchMs,
    historyCount: config.historyCount,
    historyMaxAgeMs: config.historyMaxAgeMs,
    onPublish(topic, message, state, fanout) {
      pulse.onPublish(topic, fanout.ms);
      if (topic !== "pnl") return; // only the P&L is persisted
      try {
        const now = clock.now();
        store.saveSnapshot(topic, {
          state,
          seq: message.envelope.seq,
          epoch: message.envelope.epoch,
          savedAt: now,
        });
        if (topic === "pnl" && isPnlState(state)) recordHistory(now, state);
      } catch (error) {
        // The live stream goes on; only persistence of this state failed.
        log.error("saving snapshot failed", { topic, error });
      }
    },
    onSinkError: (topic, error) =>
      log.error("subscriber failed", { topic, error }),
  });

  // The four cache tiers: process memory, Redis (when configured), SQLite,
  // and last known values seeded from SQLite.
  const l2 = config.redisUrl
    ? new RedisTier<Reading>({
      url: config.redisUrl,
      clock,
      onError: (error) => log.warn("redis", { error }),
    })
    : undefined;
  await l2?.connect();
  const l3 = store.readings as CacheTier<Reading>;
  const cache = new TieredCache<Reading>({
    clock,
    l1: new MemoryTier(),
    l2,
    l3,
    l4: new MemoryTier({ name: "L4" }),
  });
  await cache.seedLastKnown(
    store.readings.entries() as [
      string,
      { value: Reading; storedAt: number; expiresAt: number },
    ][],
  );

  const declared = sourcesFile
    ? await createSources(sourcesFile, {
      clock,
      env,
      // Several instances share pushed figures through Redis.
      ingest: bus
        ? new RedisIngest({ run: (s, k, a) => bus.run(s, k, a) })
        : store.ingest,
    })
    : simulatorSources(config, clock, restored);
  const webhooks = new Map(
    declared.flatMap(({ inner }) =>
      inner instanceof WebhookSource ? [[inner.id, inner]] : []
    ),
  );
  // Every source runs through the same resilience chain: breaker -> retry
  // -> timeout, with its own settings.
  const guarded = declared.map(({ source, common }) =>
    guardSource(source, {
      clock,
      timeoutMs: common.timeoutMs,
      retry: {
        ...common.retry,
        onRetry: ({ error }) =>
          pulse.onRetry(
            source.id,
            error instanceof UpstreamHttpError && error.status === 429,
          ),
      },
      breaker: {
        ...common.breaker,
        onStateChange: (change) =>
          log.warn("circuit breaker", { source: source.id, ...change }),
      },
    })
  );
  const plans = Object.fromEntries(declared.map(({ common }) => [common.id, {
    // The built-in simulator's three figures move together: one read, one
    // publish per step.
    ...(sourcesFile ? {} : { group: "simulator" }),
    intervalMs: common.intervalMs,
    // Room for every attempt and the waits between them.
    deadlineMs: common.timeoutMs * common.retry.maxAttempts +
      common.retry.maxDelayMs * (common.retry.maxAttempts - 1),
  }]));
  // Cached for half a source's interval, so each poll reads fresh; pushed
  // sources are already durable, so their reads skip the cache.
  const ttlMs = new Map(declared.map(({ common }) => [
    common.id,
    common.kind === "webhook"
      ? 0
      : sourcesFile
      ? Math.floor(common.intervalMs / 2)
      : config.cacheTtlMs,
  ]));
  // Only the leader polls upstream; each leadership term gets a fresh
  // poller that starts from the figures already shown.
  let poller: PnlPoller | undefined;
  const startPolling = () => {
    if (poller || stopping) return;
    const shown = hub.state("pnl") as PnlState;
    poller = makePoller(
      isPnlState(shown) ? reportsOf(shown, bus ? "L2" : "L3") : undefined,
    );
    poller.start();
  };
  const stopPolling = () => {
    poller?.close();
    poller = undefined;
  };
  const makePoller = (initialReports?: ReturnType<typeof reportsOf>) =>
    new PnlPoller({
      clock,
      sources: guarded,
      plans,
      jitter: sourcesFile ? 0.1 : 0,
      initial: initialReports,
      random: systemRandom,
      currency,
      read: async (source, signal) => {
        const started = clock.now();
        try {
          const c = await cache.read(
            `source:${source.id}`,
            ttlMs.get(source.id) ?? 0,
            () => source.read(signal),
          );
          const fresh = c.origin === "live" || c.error === undefined;
          pulse.onSourceRead(
            source.id,
            (clock.now() - started) / 1000,
            fresh ? "ok" : "cached",
          );
          return {
            reading: c.value,
            origin: c.origin,
            fresh,
            ...(c.error !== undefined ? { error: c.error } : {}),
          };
        } catch (error) {
          pulse.onSourceRead(
            source.id,
            (clock.now() - started) / 1000,
            "error",
          );
          throw error;
        }
      },
      onState: (state) => hub.publish("pnl", state),
      onError: (error) => log.error("poll failed", { error }),
    });

  const connections = new ConnectionRegistry();
  const streamTotals = {
    resumed: 0,
    snapshots: 0,
    catchUps: 0,
    slowDisconnects: 0,
  };
  const stream: StreamOptions = Object.freeze({
    clock,
    random: systemRandom,
    heartbeatMs: config.heartbeatMs,
    heartbeats: new HeartbeatTicker({ clock, heartbeatMs: config.heartbeatMs }),
    wsIdleTimeoutS: config.wsIdleTimeoutS,
    wsMessagesPerSecond: config.wsMessagesPerSecond,
    maxSubscriptions: config.maxSubscriptions,
    maxFrameBytes: config.maxFrameBytes,
    highWaterBytes: config.slowClientBytes,
    lowWaterBytes: Math.floor(config.slowClientBytes / 4),
    maxBehindMs: config.slowClientMs,
    pacing: {
      baseMs: config.reconnectBaseMs,
      spreadMs: config.reconnectSpreadMs,
    },
    onEvent: (event: StreamEvent) => {
      pulse.onEvent(event);
      if (event.kind === "subscribe") {
        streamTotals[event.resumed ? "resumed" : "snapshots"]++;
      } else if (event.kind === "catch_up") streamTotals.catchUps++;
      else streamTotals.slowDisconnects++;
    },
    onSent: pulse.onSent,
  });
  const islandScript = await readIslandScript(log);
  // Without PULSE_SESSION_SECRET, sessions and tickets last until a restart.
  const auth = new Authenticator({
    tokens: config.tokens,
    secret: config.sessionSecret ?? randomSecret(),
    clock,
    sessionTtlMs: config.sessionTtlMs,
    ticketTtlMs: config.ticketTtlMs,
  });
  const app = createApp({
    config,
    hub,
    clock,
    log,
    connections,
    stream,
    history: store.history,
    auth,
    metrics: pulse.metrics,
    health: () => {
      const pnl = hub.state("pnl") as PnlState;
      return judgeHealth({
        stopping: stopping !== undefined,
        sources: Object.fromEntries(guarded.map((g) => {
          const s = pnl.sources[g.id];
          return [g.id, {
            status: s?.status ?? "error",
            origin: s?.origin ?? "live",
            breaker: g.breakerState,
          }];
        })),
        cache: Object.fromEntries(
          cache.tiers.map((t) => [t.name, { up: t.up }]),
        ),
        redis: { configured: l2 !== undefined, up: redisUp() },
        leader: lease ? lease.leader : true,
        topics: Object.fromEntries(hub.topics.map((t) => [t, {
          ...hub.position(t),
          subscribers: hub.subscriberCount(t),
        }])),
      });
    },
    staticDir: STATIC_DIR,
    islandScript,
    ingest: webhooks.size === 0 ? undefined : async (id, body, signature) => {
      const target = webhooks.get(id);
      if (!target) {
        throw new IngestError(
          404,
          "unknown_source",
          `no webhook source "${id}" is configured; deliveries go to /api/ingest/<id> of a source with "kind": "webhook"`,
        );
      }
      const result = await target.ingest(body, signature);
      // Stored: now show it without waiting for the source's interval.
      if (!result.duplicate) {
        if (bus) await bus.notify("ingest", id);
        else poller?.refresh(id);
      }
      return result;
    },
    onIngest: (id, outcome) => pulse.onIngest(id, outcome),
    onAuthFailure: (outcome) => pulse.onAuthFailure(outcome),
  });

  const { promise: listening, resolve: onListening } = Promise.withResolvers<
    string
  >();
  const server = Deno.serve({
    hostname: config.hostname,
    port: config.port,
    onListen({ hostname, port }) {
      const host = hostname.includes(":") ? `[${hostname}]` : hostname;
      onListening(`http://${host}:${port}/`);
    },
  }, app.fetch);
  const url = await listening;
  // Names this process in logs and in the lease's value (no secrets).
  const instanceId = `${new URL(url).host}/${randomEpoch().slice(0, 6)}`;
  lease = bus
    ? new LeaderLease({
      run: (script, keys, args) => bus.run(script, keys, args),
      key: bus.leaderKey,
      instanceId,
      clock,
      leaseMs: config.leaseMs,
      onChange: (leader, fence) => {
        bus.fence = leader ? fence : undefined;
        log.info(leader ? "leader: polling sources" : "follower: fanning out", {
          instance: instanceId,
        });
        if (leader) startPolling();
        else stopPolling();
      },
      onError: () => {}, // the bus reports Redis errors
    })
    : undefined;
  await bus?.connect();
  if (lease) lease.start();
  else startPolling();
  // The operator page's figures, published on the `admin` topic once a second.
  let adminTimer: number | undefined;
  const publishAdmin = () => {
    const pnl = hub.state("pnl") as PnlState;
    hub.publish("admin", {
      connections: { ws: 0, sse: 0, poll: 0, ...connections.counts() },
      topics: Object.fromEntries(hub.topics.map((t) => [t, {
        ...hub.position(t),
        subscribers: hub.subscriberCount(t),
        historyDepth: hub.historySize(t),
      }])),
      stream: { ...streamTotals },
      sources: Object.fromEntries(guarded.map((g) => {
        const s = pnl.sources[g.id];
        return [g.id, {
          status: s?.status ?? "error",
          breaker: g.breakerState,
          origin: s?.origin ?? "live",
          lastError: typeof s?.error === "string" ? s.error : "",
        }];
      })),
      cache: Object.fromEntries(
        cache.tiers.map((t) => [t.name, { up: t.up, ...t.stats }]),
      ),
      redis: { configured: l2 !== undefined, up: redisUp() },
      leader: lease ? lease.leader : true,
    });
    adminTimer = clock.setTimeout(publishAdmin, 1_000);
  };
  publishAdmin();
  log.info("listening", {
    url,
    db: config.dbPath,
    epoch: hub.epoch,
    auth: auth.enabled
      ? `on: ${config.tokens.length} API token(s); session secret ${
        config.sessionSecret
          ? "from PULSE_SESSION_SECRET"
          : "random per start (sessions end on restart)"
      }`
      : "open: no PULSE_TOKENS configured, anyone who can reach this address can read it",
  });
  log.info("sources", {
    file: sourcesFile?.file ?? "none: the built-in simulator",
    sources: declared.map(({ common }) =>
      `${common.id} (${common.kind}, ${common.role}, every ${common.intervalMs} ms)`
    ).join("; "),
  });

  const shutdown = () =>
    stopping ??= (async () => {
      log.info("shutting down");
      if (adminTimer !== undefined) clock.clearTimeout(adminTimer);
      stopPolling();
      // The last batch window goes out before the lease is let go.
      await hub.drain();
      await lease?.stop();
      hub.flush(); // publishes, and so saves, the last batch window
      await connections.closeAll(
        CLOSE_CODES.GOING_AWAY,
        "server shutting down",
        {
          clock,
        },
      );
      await server.shutdown();
      hub.close();
      await bus?.close();
      await l2?.close();
      for (const { source } of declared) {
        source[Symbol.dispose]?.();
      }
      store.close();
      log.info("stopped");
    })();
  return { url, shutdown, finished: server.finished };
}

function randomEpoch(): string {
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(
    crypto.getRandomValues(new Uint8Array(12)),
    (b) => alphabet[b % 62],
  ).join("");
}

function randomSecret(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** The embedded default: three simulated sources with the env's timings. */
function simulatorSources(
  config: Config,
  clock: Clock,
  restored: PnlState | undefined,
): DeclaredSource[] {
  const sim = new Simulator({
    clock,
    intervalMs: config.simIntervalMs,
    currency: config.currency,
    initial: restored ? figuresOf(restored) : undefined,
  });
  return sim.sources().map((source) => ({
    source,
    inner: source,
    common: {
      id: source.id,
      kind: source.kind,
      role: source.role,
      intervalMs: config.simIntervalMs,
      timeoutMs: config.simIntervalMs,
      retry: { maxAttempts: 3, minDelayMs: 200, maxDelayMs: 10_000 },
      breaker: { failureThreshold: 5, cooldownMs: 30_000 },
      currency: config.currency,
      path: "(simulator)",
    },
  }));
}

function figuresOf(state: PnlState) {
  const amount = (id: string) => {
    const value = state.sources[id]?.amountMinor;
    return typeof value === "number" && Number.isSafeInteger(value) ? value : 0;
  };
  return {
    revenueMinor: amount("sim-revenue"),
    costsMinor: amount("sim-api-costs"),
    tradingMinor: amount("sim-trading"),
  };
}

async function readIslandScript(log: Logger): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(
      await Deno.readTextFile(`${STATIC_DIR}/_islands/manifest.json`),
    );
    if (typeof manifest.entry === "string") {
      return `/static/_islands/${manifest.entry}`;
    }
  } catch {
    // Reported below.
  }
  log.warn(
    "island bundle not built: the page shows figures but does not update live; run `deno task build`",
  );
  return undefined;
}

if (import.meta.main) {
  const log = createLogger({
    now: () => Date.now(),
    write: (line, level) =>
      level === "error" ? console.error(line) : console.log(line),
  });
  // A bug in one request's background work must not take the server down.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("unhandled rejection", { error: event.reason });
  });
  let running: RunningServer;
  try {
    const config = parseConfig(Deno.env.toObject());
    running = await startServer(config, log, systemClock, Deno.env.toObject());
  } catch (error) {
    if (
      error instanceof ConfigError || error instanceof StoreError ||
      error instanceof SourcesFileError
    ) {
      log.error(error.message);
      Deno.exit(1);
    }
    throw error;
  }
  const stop = () => {
    running.shutdown().then(() => Deno.exit(0), (error) => {
      log.error("shutdown failed", { error });
      Deno.exit(1);
    });
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
