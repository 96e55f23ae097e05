// deno-lint-ignore-file no-console -- a command-line entry point: the terminal is its interface
/**
 * The composition root: the board (lib/board.ts) -> build the parts ->
 * serve -> stop. The only place that reads `Deno.env` and writes to the
 * console; the command line itself (configuration, supervisor or server,
 * a failed start, signals) is routes/command_line.ts. What each part does
 * lives in lib/ (docs/architecture.md); the callbacks between parts are
 * the only logic here, and nothing is merged into the state here (the
 * alerts' part joins it in lib/alerts).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  createPnlEngine,
  PnlRecorder,
  ReadStats,
  SourceStatusLog,
  startingPnl,
} from "@/lib/aggregate/mod.ts";
import {
  openHistoryReader,
  RedisAlerts,
  SqliteStore,
} from "@/lib/store/mod.ts";
import {
  ALERT_NOTICE,
  alertEventLogger,
  AlertService,
  withAlerts,
} from "@/lib/alerts/mod.ts";
import { loadBoard } from "@/lib/board.ts";
import type { Cluster } from "@/lib/cluster/mod.ts";
import type { Config } from "@/lib/config.ts";
import { type RootLogger, warnOnChange } from "@/lib/log.ts";
import { createPulseMetrics } from "@/lib/pulse_metrics.ts";
import { describeSources } from "@/lib/sources/mod.ts";
import { feedAdminTopic } from "@/lib/admin_feed.ts";
import { ConnectionRegistry, Hub } from "@/lib/stream/mod.ts";
import { systemClock, systemRandom } from "@/lib/time/mod.ts";
import {
  listen,
  processLimits,
  runCommandLine,
  type RunningServer,
  type StartOptions,
  WORKER_VARIABLES,
} from "@/routes/mod.ts";
import { serverApp } from "@/routes/server_app.ts";
import { shutdownInOrder } from "@/routes/shutdown.ts";
import { accessOf } from "@/routes/session_secret.ts";
import { serverCluster } from "@/routes/server_cluster.ts";
import { serverStatus } from "@/routes/server_status.ts";

const STATIC_DIR = fileURLToPath(new URL("./static", import.meta.url));

/**
 * Builds every part from the configuration and starts serving.
 *
 * @param config The resolved configuration.
 * @param log Where events go.
 * @param options Clock, environment and worker slot.
 * @returns The running server.
 * @throws {StoreError} When the database cannot be opened.
 * @throws {SourcesFileError} When the sources file cannot be used.
 * @throws {ListenError} When the address cannot be bound.
 */
export async function startServer(
  config: Config,
  log: RootLogger,
  options: StartOptions = {},
): Promise<RunningServer> {
  const { clock = systemClock, env = {}, workerIndex, localBus } = options;
  // Read before anything is opened: a bad file refuses the start at once.
  const board = await loadBoard(config, {
    env,
    ownVariables: WORKER_VARIABLES,
  });
  const { file: sourcesFile, alerting, calendar } = board;
  for (const unknown of board.unknownVariables) {
    log.warn("unknown variable", { ...unknown });
  }
  const store = SqliteStore.open(config.dbPath, {
    rawMs: config.historyRawMs,
    keepMs: config.historyKeepMs,
  });
  // Another board's history and last figures (the demo's) never show here.
  const { movedAside } = store.adoptBoard("pnl", board.tag, board.owns);
  if (movedAside) log.info("another board's history set aside", { movedAside });
  const recorder = new PnlRecorder(store, {
    clock,
    // Workers share one database: the leader alone writes the history.
    writes: () => workerIndex === undefined || cluster.leadership.leader,
    onError: (error, topic) =>
      log.error("saving snapshot failed", { topic, error }),
  });
  const restored = recorder.restore();
  const start = startingPnl(restored, {
    calendar,
    currency: sourcesFile.currency,
    at: clock.now(),
  });
  if (restored) {
    log.info("restored last figures", {
      db: config.dbPath,
      savedAt: new Date(restored.savedAt).toISOString(),
    });
  }

  // The parts refer to each other through these callbacks, set below.
  let stopping: Promise<void> | undefined;
  const cluster: Cluster = serverCluster({
    config,
    log,
    clock,
    workerIndex,
    localBus,
    hub: () => hub,
    duties: () => [engine.polling, alerts],
    stopping: () => stopping !== undefined,
    notice: (kind, id) =>
      kind === ALERT_NOTICE ? alerts.notice(id) : engine.notice(kind, id),
    stop: () => shutdown(),
  });
  const refused = warnOnChange(log, "publish refused");
  const hub: Hub = new Hub({
    clock,
    bus: cluster.bus,
    // A resume older than this instance's history reads the Redis Stream.
    olderHistory: cluster.bus &&
      ((topic, since) => cluster.bus!.readAfter(topic, since)),
    onPublishError: (topic, error) =>
      refused(error instanceof Error ? error.message : String(error), {
        topic,
      }),
    topics: {
      pnl: start.state,
      admin: {},
    },
    batchMs: config.batchMs,
    historyCount: config.historyCount,
    historyMaxAgeMs: config.historyMaxAgeMs,
    onPublish(topic, message, state, fanout) {
      pulse.onPublish(topic, fanout.ms);
      recorder.recordPublished(topic, message.envelope, state);
    },
    onSinkError: (topic, error) =>
      log.error("subscriber failed", { topic, error }),
  });
  await cluster.connect();
  const statusLog = new SourceStatusLog({ log: log.child("sources"), clock });
  const readStats = new ReadStats({ clock, random: systemRandom });
  const engine = await createPnlEngine(sourcesFile, {
    clock,
    calendar,
    random: systemRandom,
    log: log.child("sources"),
    env,
    store,
    redis: cluster.redis,
    cacheTtlMs: config.cacheTtlMs,
    lastKnown: start.lastKnown,
    shown: () => hub.state("pnl"),
    shownFrom: cluster.shared ? "L2" : "L3",
    // The rules see each new state first; the board shows what fires;
    // the log says when a source goes bad and recovers.
    onState: (state) => {
      statusLog.observe(state);
      hub.publish("pnl", alerts.annotate(state));
    },
    // Stored: the leader reads the source now instead of at its interval.
    onStored: (id) => cluster.notify("ingest", id),
    onRetry: (id, throttled) => pulse.onRetry(id, throttled),
    onRead: (id, seconds, outcome) => {
      pulse.onSourceRead(id, seconds, outcome);
      readStats.record(id, seconds, outcome !== "ok"); // "cached": it failed
    },
  });

  const alerts: AlertService = new AlertService({
    alerting,
    currency: sourcesFile.currency,
    board: sourcesFile.title ?? "Pulseboard",
    // With Redis, the next leader reads the alerts where this one left them.
    store: cluster.redis
      ? new RedisAlerts({ redis: cluster.redis })
      : store.alerts,
    clock,
    random: systemRandom,
    // Rules and digests wait for their sources to be read after start;
    // a digest's figures come from the ledgers.
    calendar,
    sources: () => engine.declared.map((d) => d.source),
    hasRead: (id) => readStats.hasRead(id),
    // A `for` ran out between states: the board shows it at once.
    onBoard: (board) => hub.update("pnl", (now) => withAlerts(now, board)),
    onEvent: alertEventLogger(log.child("alerts"), (e) => pulse.onAlert(e)),
  });
  const connections = new ConnectionRegistry();
  const limits = await processLimits(config, clock, log.child("http"));
  const status = serverStatus({
    clock,
    cluster,
    hub,
    engine,
    connections,
    readStats,
    alerts,
    limits,
    stopping: () => stopping !== undefined,
    workerIndex,
    localBus,
  });
  const pulse = createPulseMetrics(() => status.picture());
  // Kept (Redis, else beside the database): sign-ins and links outlive restarts.
  const { auth, sessionKey, viewerLinks } = await accessOf(config, {
    store,
    cluster,
    log,
    clock,
  });
  // Chart reads run beside the event loop, never on it.
  const history = await openHistoryReader(store.path, store.history);
  const { app, hosts } = await serverApp({
    config,
    hub,
    clock,
    log,
    connections,
    pulse,
    status,
    auth,
    viewerLinks,
    history,
    engine,
    cluster,
    alerts,
    title: sourcesFile.title,
    currency: sourcesFile.currency,
    staticDir: STATIC_DIR,
    limits,
  });

  // The shared epoch and state before the first client, so no worker or
  // instance ever answers from an epoch of its own.
  await cluster.sync();
  const server = await listen({
    hostname: config.hostname,
    port: config.port,
    handler: app.fetch,
    log: log.child("http"),
    reusePort: workerIndex !== undefined,
  });
  const { url } = server;
  await cluster.join();
  const adminFeed = feedAdminTopic(status, (s) => hub.publish("admin", s), {
    clock,
  });
  log.info("listening", {
    url,
    db: config.dbPath,
    epoch: hub.epoch,
    hosts: hosts.names.join(", "),
    auth: auth.describe(sessionKey.source),
  });
  log.info("sources", {
    file: config.sourcesPath
      ? sourcesFile.file
      : "none: the built-in simulator",
    sources: describeSources(engine.declared),
  });

  const shutdown = () =>
    stopping ??= shutdownInOrder({
      adminFeed,
      engine,
      alerts,
      statusLog,
      hub,
      cluster,
      connections,
      server,
      recorder,
      history,
      store,
    }, { log, clock, drainMs: config.drainMs });
  return { url, shutdown, finished: server.finished };
}

if (import.meta.main) {
  await runCommandLine({
    env: Deno.env.toObject(),
    write: (line, level) =>
      level === "error" ? console.error(line) : console.log(line),
    writeError: (text) => console.error(text),
    start: startServer,
  });
}
