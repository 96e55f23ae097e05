/**
 * The one status picture of a running server (health, the admin topic,
 * `/metrics`), wired to the parts it reads: the cluster, the hub, the
 * engine's sources and tiers, the connections, the read statistics,
 * alerting and this worker's place.
 */
import type { AlertService } from "@/lib/alerts/mod.ts";
import type { PnlEngine, ReadStats } from "@/lib/aggregate/mod.ts";
import type { Cluster } from "@/lib/cluster/mod.ts";
import { StatusBoard } from "@/lib/status.ts";
import type { ConnectionRegistry, Hub } from "@/lib/stream/mod.ts";
import type { Clock } from "@/lib/time/mod.ts";
import { workerPlace } from "./worker_processes.ts";
import type { ProcessLimits } from "./limits.ts";

/** The parts the picture reads. */
export interface StatusWiring {
  clock: Clock;
  cluster: Cluster;
  hub: Hub;
  engine: PnlEngine;
  connections: ConnectionRegistry;
  readStats: ReadStats;
  alerts: AlertService;
  /** The process's open files limit and memory budget. */
  limits?: ProcessLimits;
  /** Whether the server is stopping. */
  stopping: () => boolean;
  /** This process's slot under `PULSE_WORKERS`, if any. */
  workerIndex?: number;
  /** The supervisor's local bus, when this worker uses one. */
  localBus?: { path: string };
}

/**
 * Builds the status picture.
 *
 * @param w The parts it reads.
 * @returns The status board.
 */
export function serverStatus(w: StatusWiring): StatusBoard {
  const { cluster, hub, engine, connections, readStats, clock } = w;
  return new StatusBoard({
    stopping: w.stopping,
    leader: () => cluster.leadership.leader,
    redisConfigured: cluster.shared,
    redisUp: () => cluster.up,
    pnl: () => hub.state("pnl"),
    sources: () => engine.guarded,
    tiers: () => engine.cache.tiers,
    hub,
    connections: () => connections.counts(),
    openFilesLimit: w.limits?.openFiles,
    memory: () => {
      const budget = w.limits?.memory;
      if (!budget?.limitBytes) return undefined;
      const over = budget.over();
      return {
        rssMb: Math.round(budget.rssBytes / 1_048_576),
        budgetMb: Math.round(budget.limitBytes / 1_048_576),
        over,
      };
    },
    errorDetails: () => engine.polling.errorDetails(),
    readHour: (id) => readStats.summary(id),
    clients: () => connections.clients(clock.now()),
    leaseHolder: () => cluster.leadership.holder,
    worker: () =>
      workerPlace(
        w.workerIndex,
        w.localBus !== undefined && { up: cluster.link?.up ?? false },
      ),
    clock,
    alerts: () => w.alerts.adminRows(),
  });
}
