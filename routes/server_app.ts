/**
 * The HTTP side of a running server, from its parts: the Host names it
 * answers to, and the app whose routes call the hub, the engine, alerting,
 * status and metrics (see `createApp` and `AppDeps`).
 */
import type { Hono } from "hono";
import {
  ALERT_NOTICE,
  alertNotice,
  type AlertService,
} from "@/lib/alerts/mod.ts";
import {
  figureMovements,
  ledgerHistory,
  ledgerSourceHistory,
  type PnlEngine,
  projectPeriod,
} from "@/lib/aggregate/mod.ts";
import type { HistoryReader } from "@/lib/store/mod.ts";
import type { Cluster } from "@/lib/cluster/mod.ts";
import type { Config } from "@/lib/config.ts";
import { type HostPolicy, hostPolicy, servedHosts } from "@/lib/http/mod.ts";
import type { RootLogger } from "@/lib/log.ts";
import { CLOSE_CODES } from "@/lib/protocol/mod.ts";
import type { PulseMetrics } from "@/lib/pulse_metrics.ts";
import type { Authenticator, ViewerLinks } from "@/lib/security/mod.ts";
import type { StatusBoard } from "@/lib/status.ts";
import {
  type ConnectionRegistry,
  type Hub,
  streamOptionsFrom,
} from "@/lib/stream/mod.ts";
import { type Clock, systemRandom } from "@/lib/time/mod.ts";
import { createApp } from "./mod.ts";
import { readIslandScript } from "./island_script.ts";
import type { ProcessLimits } from "./limits.ts";

/** The parts the routes call. */
export interface ServerParts {
  config: Config;
  hub: Hub;
  clock: Clock;
  log: RootLogger;
  connections: ConnectionRegistry;
  pulse: PulseMetrics;
  status: StatusBoard;
  auth: Authenticator;
  /** The board's share links. */
  viewerLinks: ViewerLinks;
  history: HistoryReader;
  engine: PnlEngine;
  cluster: Cluster;
  alerts: AlertService;
  /** The board's title (the sources file's `title`), if any. */
  title?: string;
  /** The board's currency. */
  currency: string;
  /** Where static files and the island bundle are. */
  staticDir: string;
  /** The process's open files limit and memory budget. */
  limits?: ProcessLimits;
}

/**
 * Builds the app and the Host names it answers to.
 *
 * @param parts The running parts.
 * @returns The app and its host policy.
 */
export async function serverApp(
  parts: ServerParts,
): Promise<{ app: Hono; hosts: HostPolicy }> {
  const { config, hub, clock, log, connections, pulse, status } = parts;
  const { engine, cluster, alerts, staticDir } = parts;
  const { webhooks } = engine;
  const hosts = hostPolicy(servedHosts({
    configured: config.allowedHosts,
    bound: config.hostname,
    origins: config.allowedOrigins,
    deploy: config.deploy,
    machine: () => [
      Deno.hostname(),
      ...Deno.networkInterfaces().map((i) => i.address),
    ],
  }));
  const app = createApp({
    config,
    hub,
    clock,
    log: log.child("http"),
    connections,
    stream: streamOptionsFrom(config, {
      clock,
      random: systemRandom,
      onEvent: (event) => {
        pulse.onEvent(event);
        status.countStreamEvent(event);
      },
      onSent: pulse.onSent,
    }),
    history: parts.history,
    ledgers: ({ source, ...span }) => {
      const sources = engine.declared.map((d) => d.source);
      const currency = parts.currency;
      if (source === undefined) return ledgerHistory(sources, currency, span);
      const one = sources.find((s) => s.id === source);
      return one && ledgerSourceHistory(one, currency, span);
    },
    movements: (query) =>
      figureMovements(
        engine.declared.map((d) => d.source),
        parts.currency,
        query,
      ),
    projection: (window) =>
      projectPeriod(
        engine.declared.map((d) => d.source),
        parts.currency,
        window,
      ),
    auth: parts.auth,
    viewerLinks: parts.viewerLinks,
    metrics: pulse.metrics,
    health: () => status.health(),
    disconnect: (id) =>
      connections.close(id, CLOSE_CODES.POLICY, "closed by an operator"),
    adminAction: ({ action, source }) => {
      if (!engine.guarded.some((s) => s.id === source)) return false;
      cluster.notify(action, source);
      return true;
    },
    alerts: () => alerts.report(hub.state("pnl")),
    alertTest: (rule) => alerts.sendTest(rule),
    alertChange: (rule, change) => {
      if (!alerts.rules.some((r) => r.id === rule)) return false;
      cluster.notify(ALERT_NOTICE, alertNotice(rule, change));
      return true;
    },
    staticDir,
    ...(parts.title ? { title: parts.title } : {}),
    islandScript: await readIslandScript(staticDir, log),
    ingest: webhooks.size === 0
      ? undefined
      : (id, body, signature) => webhooks.deliver(id, body, signature),
    ingestLimit: (id) => webhooks.maxBodyBytes(id),
    onIngest: (id, outcome) => pulse.onIngest(id, outcome),
    onAuthFailure: (outcome) => pulse.onAuthFailure(outcome),
    hosts,
    openFilesLimit: parts.limits?.openFiles,
    ...(parts.limits ? { memory: parts.limits.memory } : {}),
    onRefused: (reason) => pulse.onRefused(reason),
    onStreamRefused: (reason) => pulse.onStreamRefused(reason),
  });
  return { app, hosts };
}
