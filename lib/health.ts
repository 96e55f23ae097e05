/**
 * Health as one verdict with reasons: `ok`, `degraded` or `down`, built
 * from what each part reports. Pure, so the rules are tested directly.
 *
 * @module
 */

/** The verdict. */
export type HealthStatus = "ok" | "degraded" | "down";

/** What the parts report. */
export interface HealthInputs {
  /** Whether the server is shutting down. */
  stopping: boolean;
  /** Each source: its status in the P&L and its breaker state. */
  sources: Record<
    string,
    {
      status: string;
      origin: string;
      breaker: string;
      /** While syncing: how far (see SourceStatusLine). */
      sync?: { pages: number; items: number; estimatedPages?: number };
    }
  >;
  /** Each cache tier: present and reachable. */
  cache: Record<string, { up: boolean }>;
  /** Redis: configured, and reachable. */
  redis: { configured: boolean; up: boolean };
  /** Whether this instance polls upstream and publishes. */
  leader: boolean;
  /**
   * Under a `PULSE_WORKERS` supervisor: this worker's slot, and whether
   * the supervisor's local bus (without Redis) is reachable.
   */
  worker?: { index: number; localBus?: { up: boolean } };
  /** Each topic's position. */
  topics: Record<string, { epoch: string; seq: number; subscribers: number }>;
  /**
   * The soft limit of open files (`null`: unknown) and the streaming
   * connections open now; each holds a descriptor.
   */
  limits?: {
    openFiles: number | null;
    connections: number;
    /**
     * Resident memory and its budget, MiB (`budgetMb` 0: off), and
     * whether new streams are refused for it.
     */
    memory?: { rssMb: number; budgetMb: number; over: boolean };
  };
}

/** The report served by `GET /api/health`. */
export interface HealthReport extends HealthInputs {
  status: HealthStatus;
  reasons: string[];
}

/**
 * Judges health: `down` while stopping; `degraded` when a source is not
 * current or a configured Redis is unreachable; else `ok`.
 *
 * @param inputs What the parts report.
 * @returns The report with its verdict and reasons.
 *
 * @example A stale source degrades
 * ```ts
 * import assert from "node:assert/strict";
 * import { judgeHealth } from "@/lib/health.ts";
 * const report = judgeHealth({
 *   stopping: false,
 *   sources: { stripe: { status: "stale", origin: "L3", breaker: "open" } },
 *   cache: {}, redis: { configured: false, up: false }, leader: true, topics: {},
 * });
 * assert.equal(report.status, "degraded");
 * assert.deepEqual(report.reasons, ["source stripe is stale (from L3), breaker open"]);
 * ```
 */
export function judgeHealth(inputs: HealthInputs): HealthReport {
  const reasons: string[] = [];
  if (inputs.stopping) reasons.push("server is shutting down");
  for (const [id, s] of Object.entries(inputs.sources)) {
    if (s.status !== "ok") {
      const sync = s.sync
        ? ` (${s.sync.items} items in ${s.sync.pages}${
          s.sync.estimatedPages ? ` of about ${s.sync.estimatedPages}` : ""
        } pages so far; figures partial)`
        : "";
      reasons.push(
        `source ${id} is ${s.status}${sync}${
          s.origin !== "live" ? ` (from ${s.origin})` : ""
        }, breaker ${s.breaker}`,
      );
    }
  }
  if (inputs.redis.configured && !inputs.redis.up) {
    reasons.push("Redis is unreachable");
  }
  if (inputs.worker?.localBus && !inputs.worker.localBus.up) {
    reasons.push("the supervisor's local bus is unreachable");
  }
  const { openFiles, connections = 0 } = inputs.limits ?? {};
  // Past 80 % the next burst of clients can exhaust the descriptors and
  // take the listener down (it then heals, but clients are refused).
  if (openFiles && connections > openFiles * 0.8) {
    reasons.push(
      `${connections} connections near the open-files limit of ${openFiles}; raise ulimit -n`,
    );
  }
  const memory = inputs.limits?.memory;
  if (memory?.over) {
    reasons.push(
      `${memory.rssMb} MiB resident, over the memory budget of ${memory.budgetMb} MiB: new connections are refused (PULSE_MEMORY_BUDGET_MB)`,
    );
  }
  const status: HealthStatus = inputs.stopping
    ? "down"
    : reasons.length > 0
    ? "degraded"
    : "ok";
  return { status, reasons, ...inputs };
}
