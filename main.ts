// deno-lint-ignore-file no-console -- a command-line entry point: the terminal is its interface
/**
 * The composition root: environment -> parseConfig -> build the parts ->
 * serve -> stop. The only place that reads `Deno.env` and writes to the
 * console. What each part does lives in lib/ (docs/architecture.md).
 * Wiring only, but longer than it should be: the stream options and the
 * hub with its bus are the next parts to build in lib/.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  buildPnlState,
  cachedRead,
  PnlPolling,
  PnlRecorder,
  pollPlans,
} from "@/lib/aggregate/mod.ts";
import {
  openReadingCache,
  RedisIngest,
  RedisTier,
  SqliteStore,
  StoreError,
} from "@/lib/cache/mod.ts";
import { Leadership, RedisBus } from "@/lib/cluster/mod.ts";
import { RedisConnection } from "@/lib/redis/mod.ts";
import {
  type Config,
  ConfigError,
  type Env,
  parseConfig,
} from "@/lib/config.ts";
import { createLogger, type Logger } from "@/lib/log.ts";
import { createPulseMetrics } from "@/lib/pulse_metrics.ts";
import { Authenticator } from "@/lib/security/mod.ts";
import {
  createSources,
  embeddedSourcesFile,
  guardDeclared,
  IngestRouter,
  loadSourcesFile,
  type Reading,
  SourcesFileError,
} from "@/lib/sources/mod.ts";
import { feedAdminTopic, StatusBoard } from "@/lib/status.ts";
import { CLOSE_CODES } from "@/lib/protocol/mod.ts";
import {
  ConnectionRegistry,
  HeartbeatTicker,
  Hub,
  type StreamEvent,
  type StreamOptions,
} from "@/lib/stream/mod.ts";
import {
  type Clock,
  randomHex,
  randomId,
  systemClock,
  systemRandom,
} from "@/lib/time/mod.ts";
import { createApp } from "@/routes/mod.ts";

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
    : embeddedSourcesFile({
      intervalMs: config.simIntervalMs,
      currency: config.currency,
    });
  const store = SqliteStore.open(config.dbPath, {
    rawMs: config.historyRawMs,
    keepMs: config.historyKeepMs,
  });
  const recorder = new PnlRecorder(store, { clock });
  const restored = recorder.restore();
  if (restored) {
    log.info("restored last figures", {
      db: config.dbPath,
      savedAt: new Date(restored.savedAt).toISOString(),
    });
  }

  // One Redis connection for the bus, the lease, L2 and pushed figures.
  const redis = config.redisUrl
    ? new RedisConnection({
      url: config.redisUrl,
      clock,
      onError: (error) => log.warn("redis", { error }),
      onUpChange: (up) =>
        log[up ? "info" : "warn"](up ? "redis reachable" : "redis unreachable"),
    })
    : undefined;
  let stopping: Promise<void> | undefined;
  // Names this process in logs and in the lease's value (no secrets).
  const instanceId = `${config.hostname}/${Deno.pid}/${randomId(4)}`;
  const leadership = new Leadership({
    clock,
    redis,
    instanceId,
    leaseMs: config.leaseMs,
    onLead: () => {
      if (redis) log.info("leader: polling sources", { instance: instanceId });
      if (!stopping) polling.start();
    },
    onFollow: () => {
      if (redis) log.info("follower: fanning out", { instance: instanceId });
      polling.stop();
    },
  });
  // With Redis, the P&L topic is shared by every instance: one seq, one
  // epoch, one history; the leader publishes, everyone fans out.
  const bus = redis && leadership.fencing
    ? new RedisBus({
      redis,
      fencing: leadership.fencing,
      shared: ["pnl"],
      states: (topic) => hub.state(topic),
      newEpoch: () => randomId(12),
      onSync: (epoch, topics) => {
        const before = hub.epoch;
        hub.sync(epoch, topics);
        if (hub.epoch !== before) log.info("joined epoch", { epoch, before });
      },
      historyCount: config.historyCount,
      onError: (error) => log.warn("redis bus", { error }),
    })
    : undefined;
  // A delivery taken by any instance makes the leader read it at once.
  redis?.onNotice((kind, id) => {
    if (kind === "ingest") polling.refresh(id);
  });
  let lastRefusal = "";
  const hub: Hub = new Hub({
    clock,
    bus,
    // A resume older than this instance's history reads the Redis Stream.
    olderHistory: bus && ((topic, since) => bus.readAfter(topic, since)),
    onPublishError: (topic, error) => {
      const reason = error instanceof Error ? error.message : String(error);
      // Logged when the reason changes, not at every retry.
      if (reason !== lastRefusal) {
        log.warn("publish refused", { topic, reason });
      }
      lastRefusal = reason;
    },
    topics: {
      pnl: restored?.state ?? buildPnlState({}, sourcesFile.currency),
      admin: {},
    },
    batchMs: config.batchMs,
    historyCount: config.historyCount,
    historyMaxAgeMs: config.historyMaxAgeMs,
    onPublish(topic, message, state, fanout) {
      pulse.onPublish(topic, fanout.ms);
      if (topic !== "pnl") return; // only the P&L is persisted
      try {
        const { seq, epoch } = message.envelope;
        recorder.record(state, seq, epoch);
      } catch (error) {
        // The live stream goes on; only persistence of this state failed.
        log.error("saving snapshot failed", { topic, error });
      }
    },
    onSinkError: (topic, error) =>
      log.error("subscriber failed", { topic, error }),
  });

  await redis?.connect();
  const l2 = redis && new RedisTier<Reading>({ redis, clock });
  const cache = await openReadingCache<Reading>({ clock, store, l2 });
  const declared = await createSources(sourcesFile, {
    clock,
    env,
    // Several instances share pushed figures through Redis.
    ingest: redis ? new RedisIngest({ redis }) : store.ingest,
    lastKnown: (id) => restored?.figures[id],
  });
  const guarded = guardDeclared(declared, {
    clock,
    onRetry: (id, throttled) => pulse.onRetry(id, throttled),
    onBreakerChange: (source, change) =>
      log.warn("circuit breaker", { source, ...change }),
  });
  const plans = pollPlans(declared, { cacheTtlMs: config.cacheTtlMs });
  const polling = new PnlPolling({
    clock,
    sources: guarded,
    plans,
    random: systemRandom,
    currency: sourcesFile.currency,
    shown: () => hub.state("pnl"),
    shownFrom: bus ? "L2" : "L3",
    read: cachedRead(cache, {
      clock,
      ttlMs: (id) => plans[id]?.cacheTtlMs ?? 0,
      onRead: (id, seconds, outcome) =>
        pulse.onSourceRead(id, seconds, outcome),
    }),
    onState: (state) => hub.publish("pnl", state),
    onError: (error) => log.error("poll failed", { error }),
  });
  const webhooks = new IngestRouter(declared, {
    // Stored: the leader reads the source now instead of at its interval.
    onStored: (id) => redis ? redis.notify("ingest", id) : polling.refresh(id),
  });

  const connections = new ConnectionRegistry();
  const status = new StatusBoard({
    stopping: () => stopping !== undefined,
    leader: () => leadership.leader,
    redisConfigured: redis !== undefined,
    redisUp: () => redis?.up ?? false,
    pnl: () => hub.state("pnl"),
    sources: () => guarded,
    tiers: () => cache.tiers,
    hub,
    connections: () => connections.counts(),
  });
  const pulse = createPulseMetrics(() => status.picture());
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
      status.countStreamEvent(event);
    },
    onSent: pulse.onSent,
  });
  // Without PULSE_SESSION_SECRET, sessions and tickets last until a restart.
  const auth = new Authenticator({
    tokens: config.tokens,
    secret: config.sessionSecret ?? randomHex(32),
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
    health: () => status.health(),
    staticDir: STATIC_DIR,
    islandScript: await readIslandScript(log),
    ingest: webhooks.size === 0
      ? undefined
      : (id, body, signature) => webhooks.deliver(id, body, signature),
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
  await bus?.connect();
  leadership.start();
  const adminFeed = feedAdminTopic(status, (s) => hub.publish("admin", s), {
    clock,
  });
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
    file: config.sourcesPath
      ? sourcesFile.file
      : "none: the built-in simulator",
    sources: declared.map(({ common }) =>
      `${common.id} (${common.kind}, ${common.role}, every ${common.intervalMs} ms)`
    ).join("; "),
  });

  const shutdown = () =>
    stopping ??= (async () => {
      log.info("shutting down");
      adminFeed[Symbol.dispose]();
      polling.close();
      // The last batch window goes out before the lease is let go.
      await hub.drain();
      await leadership.stop();
      hub.flush(); // publishes, and so saves, the last batch window
      await connections.closeAll(
        CLOSE_CODES.GOING_AWAY,
        "server shutting down",
        {
          clock,
          drainMs: config.drainMs,
        },
      );
      await server.shutdown();
      hub.close();
      await bus?.close();
      await redis?.close();
      for (const { source } of declared) source[Symbol.dispose]?.();
      store.close();
      log.info("stopped");
    })();
  return { url, shutdown, finished: server.finished };
}

/** The built island bundle's URL, or none (the page then does not update). */
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
