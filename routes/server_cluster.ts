/**
 * This server's place in its cluster, wired: its instance id, the local
 * bus of a worker (a Unix socket from its supervisor), what leading and
 * following start and stop, notices from other instances, and a worker
 * that stops when its supervisor's bus is gone.
 */
import { Cluster } from "@/lib/cluster/mod.ts";
import type { Config } from "@/lib/config.ts";
import type { RootLogger } from "@/lib/log.ts";
import type { Hub } from "@/lib/stream/mod.ts";
import { type Clock, randomId } from "@/lib/time/mod.ts";

/** What runs only while this instance leads (polling, alerting). */
export interface LeaderDuty {
  start(): void;
  stop(): void;
}

/** The parts the cluster calls back into. */
export interface ClusterWiring {
  config: Config;
  log: RootLogger;
  clock: Clock;
  /** This process's slot under `PULSE_WORKERS`, if any. */
  workerIndex?: number;
  /** The supervisor's local bus socket and this start's token. */
  localBus?: { path: string; token: string };
  /** The hub (built after the cluster, which it publishes through). */
  hub: () => Hub;
  /** What this instance does while it leads. */
  duties: () => LeaderDuty[];
  /** Whether the server is stopping (a late lead starts nothing). */
  stopping: () => boolean;
  /** A notice from any instance: see `PnlEngine.notice`. */
  notice: (kind: string, id: string) => void;
  /** Stops the server (the supervisor is gone). */
  stop: () => Promise<void>;
}

/**
 * Builds the cluster for a server.
 *
 * @param w The parts it calls back into.
 * @returns The cluster, not yet connected.
 */
export function serverCluster(w: ClusterWiring): Cluster {
  const { config, log, workerIndex, localBus } = w;
  return new Cluster({
    clock: w.clock,
    log: log.child("cluster"),
    redisUrl: config.redisUrl,
    localBus: localBus &&
      (() => Deno.connect({ transport: "unix", path: localBus.path })),
    localBusToken: localBus?.token,
    // The supervisor is gone: nobody would replace this worker or carry
    // its deltas, so it stops (exit 1) and frees the port.
    onLocalBusGone: () => {
      log.error("stopping: the supervisor's local bus is gone");
      void w.stop().finally(() => Deno.exit(1));
    },
    instanceId: `${config.hostname}/${Deno.pid}${
      workerIndex === undefined ? "" : `/w${workerIndex}`
    }/${randomId(4)}`,
    leaseMs: config.leaseMs,
    historyCount: config.historyCount,
    states: (topic) => w.hub().state(topic),
    newEpoch: () => randomId(12),
    onSync: (epoch, topics) => w.hub().sync(epoch, topics),
    onLead: () => {
      if (w.stopping()) return;
      for (const duty of w.duties()) duty.start();
    },
    onFollow: () => {
      for (const duty of w.duties()) duty.stop();
    },
    // A delivery taken by any instance, an operator's "read now" or "reset".
    onNotice: (kind, id) => w.notice(kind, id),
  });
}
