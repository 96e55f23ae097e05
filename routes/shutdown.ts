/**
 * A server's stop, in order: nothing new starts (admin feed, polling,
 * alerting), the last batch window goes out before the lease is let go and
 * is saved, connections close in waves over `PULSE_DRAIN_MS`, then the
 * listener, the hub, the cluster, the engine, the recorder, the history
 * reader and the database.
 */
import type { AlertService } from "@/lib/alerts/mod.ts";
import type {
  PnlEngine,
  PnlRecorder,
  SourceStatusLog,
} from "@/lib/aggregate/mod.ts";
import type { HistoryReader, SqliteStore } from "@/lib/store/mod.ts";
import type { Cluster } from "@/lib/cluster/mod.ts";
import type { Logger } from "@/lib/log.ts";
import { CLOSE_CODES } from "@/lib/protocol/mod.ts";
import type { ConnectionRegistry, Hub } from "@/lib/stream/mod.ts";
import type { Clock } from "@/lib/time/mod.ts";

/** The parts a stop closes. */
export interface StoppingParts {
  adminFeed: Disposable;
  engine: PnlEngine;
  alerts: AlertService;
  statusLog: SourceStatusLog;
  hub: Hub;
  cluster: Cluster;
  connections: ConnectionRegistry;
  server: { shutdown(): Promise<void> };
  recorder: PnlRecorder;
  history: HistoryReader;
  store: SqliteStore;
}

/**
 * Stops every part in order.
 *
 * @param parts The running parts.
 * @param options The log, the clock and the drain window (ms).
 */
export async function shutdownInOrder(
  parts: StoppingParts,
  options: { log: Logger; clock: Clock; drainMs: number },
): Promise<void> {
  const { adminFeed, engine, alerts, statusLog, hub, cluster } = parts;
  const { log, clock, drainMs } = options;
  log.info("shutting down");
  adminFeed[Symbol.dispose]();
  engine.polling.close();
  alerts.stop();
  statusLog[Symbol.dispose]();
  // The last batch window goes out before the lease is let go.
  await hub.drain();
  await cluster.leave();
  hub.flush(); // publishes, and so saves, the last batch window
  await parts.connections.closeAll(
    CLOSE_CODES.GOING_AWAY,
    "server shutting down",
    { clock, drainMs },
  );
  await parts.server.shutdown();
  hub.close();
  await cluster.close();
  engine[Symbol.dispose]();
  parts.recorder.close();
  parts.history.close();
  parts.store.close();
  log.info("stopped");
}
