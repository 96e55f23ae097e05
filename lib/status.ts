/**
 * The one status picture of a running server: every source, cache tier,
 * Redis, leadership, topic and connection, read at the moment it is
 * asked for. `/api/health`, the `admin` topic and `/metrics` all read it,
 * so they cannot disagree.
 *
 * @module
 */
import {
  failureTimes,
  hourLine,
  type ReadHour,
  stateWords,
} from "./status_lines.ts";

export type { ReadHour } from "./status_lines.ts";
import { isPnlState } from "./aggregate/mod.ts";
import type { TierName, TierStats } from "./cache/mod.ts";
import { type HealthReport, judgeHealth } from "./health.ts";
import type { CircuitState } from "./resilience/mod.ts";
import type { ClientLine, StreamEvent } from "./stream/mod.ts";

/** One source as the status picture shows it. */
export type SourceStatusLine = {
  /** Its status in the P&L (`ok`, `stale`, `open`, `error`). */
  status: string;
  /** Its circuit breaker's state. */
  breaker: CircuitState;
  /** `live`, or the cache tier its figure came from. */
  origin: string;
  /** The last error in words, or `""`. */
  lastError: string;
  /** While syncing: pages and items so far, and the pages in all when known. */
  sync?: { pages: number; items: number; estimatedPages?: number };
  /** The status in words, as the board says it. */
  state?: string;
  /** While failing: the last read that succeeded, since when it fails, the next try (ISO). */
  lastSuccessAt?: string;
  failingSince?: string;
  nextReadAt?: string;
  /** Reads and failed reads in the last hour (on the instance that polls). */
  reads1h?: number;
  errors1h?: number;
  /** Read latency percentiles over the last hour, ms. */
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  /** The median read latency of each of the last 60 minutes, ms. */
  latencyMs?: number[];
  /** Failed reads in each of the last 60 minutes. */
  errorsPerMinute?: number[];
};

/** One cache tier: reachable, and its counters (see TierStats). */
export type TierLine = {
  up: boolean;
  hits: number;
  misses: number;
  errors: number;
  readMs: number;
};

/** Stream events counted since the start. */
export type StreamTotals = {
  /** Subscriptions resumed from history. */
  resumed: number;
  /** Subscriptions that got a snapshot. */
  snapshots: number;
  /** Catch-ups composed for clients that fell behind. */
  catchUps: number;
  /** Clients closed for staying backed up. */
  slowDisconnects: number;
};

/** Everything the server reports about itself at one moment. */
export type StatusPicture = {
  /** Whether shutdown has begun. */
  stopping: boolean;
  /** Whether this instance polls upstream and publishes. */
  leader: boolean;
  /** Under a `PULSE_WORKERS` supervisor: the slot and the local bus. */
  worker?: { index: number; localBus?: { up: boolean } };
  /**
   * Redis: configured, reachable, and who holds the leader lease with its
   * fencing token (as last seen).
   */
  redis: {
    configured: boolean;
    up: boolean;
    leaseHolder?: string;
    fencingToken?: number;
  };
  /** Each source, by id. */
  sources: Record<string, SourceStatusLine>;
  /** Each cache tier present, with its counters. */
  cache: Partial<Record<TierName, TierLine>>;
  /** Each topic's position, local subscribers and history depth. */
  topics: Record<
    string,
    {
      epoch: string;
      seq: number;
      subscribers: number;
      historyDepth: number;
      /** Deltas published a second, over the last minute. */
      perSecond: number;
    }
  >;
  /** Open connections by transport. */
  connections: { ws: number; sse: number; poll: number };
  /** Stream events counted since the start. */
  stream: StreamTotals;
  /**
   * The process's soft limit of open files (`null`: unknown), and its
   * memory against the budget, when one is set.
   */
  limits: {
    openFiles: number | null;
    memory?: { rssMb: number; budgetMb: number; over: boolean };
  };
  /** Each alert rule's state (phase, since, episode), by rule id. */
  alerts: Record<string, Record<string, string | number>>;
  /** This instance's open connections by id (at most 50, oldest first). */
  clients: Record<string, Omit<ClientLine, "id">>;
};

/** What the picture is read from; each is asked at the moment of reading. */
export interface StatusParts {
  /** Whether shutdown has begun. */
  stopping: () => boolean;
  /** Whether this instance leads (always true without Redis). */
  leader: () => boolean;
  /** Whether Redis is configured. */
  redisConfigured: boolean;
  /** This worker's slot and local bus, under a supervisor. */
  worker?: () => { index: number; localBus?: { up: boolean } } | undefined;
  /** Whether every Redis connection is up (asked only when configured). */
  redisUp: () => boolean;
  /** The current P&L state (the hub's `pnl` topic). */
  pnl: () => unknown;
  /** The sources in the P&L, with their breakers' states. */
  sources: () => readonly { id: string; breakerState: CircuitState }[];
  /** The cache tiers. */
  tiers: () => readonly { name: TierName; up: boolean; stats: TierStats }[];
  /** The hub's topics. */
  hub: {
    readonly topics: string[];
    position(topic: string): { epoch: string; seq: number };
    subscriberCount(topic: string): number;
    historySize(topic: string): number;
  };
  /** Open connections by transport. */
  connections: () => Record<string, number>;
  /** The soft limit of open files, when the platform tells it. */
  openFilesLimit?: number;
  /** The memory budget that refuses new streams, when one is set. */
  memory?: () => { rssMb: number; budgetMb: number; over: boolean } | undefined;
  /**
   * The full error text of each failing source (operators only; the P&L
   * state carries a summary).
   */
  errorDetails?: () => Record<string, string>;
  /** Each alert rule's state, by rule id (none without rules). */
  alerts?: () => Record<string, Record<string, string | number>>;
  /** A source's last hour of reads, where this instance read it. */
  readHour?: (source: string) => ReadHour | undefined;
  /** Who holds the leader lease (`instanceId:token`), as last seen. */
  leaseHolder?: () => string | undefined;
  /** This instance's open connections, one line each (the console). */
  clients?: () => readonly ClientLine[];
  /** A monotonic clock, for the topics' rates (none: rates read 0). */
  clock?: { monotonic(): number };
}

/**
 * Builds the status picture on demand, and counts the stream events that
 * go into it.
 *
 * @example A source that was never read shows as an error
 * ```ts
 * import assert from "node:assert/strict";
 * import { StatusBoard } from "@/lib/status.ts";
 * const status = new StatusBoard({
 *   stopping: () => false, leader: () => true,
 *   redisConfigured: false, redisUp: () => false,
 *   pnl: () => ({}),
 *   sources: () => [{ id: "stripe", breakerState: "closed" }],
 *   tiers: () => [], connections: () => ({ ws: 2 }),
 *   hub: { topics: [], position: () => ({ epoch: "e000", seq: 0 }),
 *     subscriberCount: () => 0, historySize: () => 0 },
 * });
 * const picture = status.picture();
 * assert.equal(picture.sources.stripe?.status, "error");
 * assert.deepEqual(picture.connections, { ws: 2, sse: 0, poll: 0 });
 * assert.equal(status.health().status, "degraded");
 * ```
 */
export class StatusBoard {
  #parts: StatusParts;
  #seqs = new Map<string, { at: number; seq: number; epoch: string }[]>();
  #stream: StreamTotals = {
    resumed: 0,
    snapshots: 0,
    catchUps: 0,
    slowDisconnects: 0,
  };

  /** Creates the board over the running parts. */
  constructor(parts: StatusParts) {
    this.#parts = parts;
  }

  /**
   * Deltas a second over about the last minute, from the seq positions
   * seen at each picture (a new epoch starts the count again).
   */
  #rate(topic: string, at: { epoch: string; seq: number }): number {
    const now = this.#parts.clock?.monotonic() ?? 0;
    const seen = this.#seqs.get(topic) ?? [];
    if (seen[0] && seen[0].epoch !== at.epoch) seen.length = 0;
    seen.push({ at: now, seq: at.seq, epoch: at.epoch });
    while (seen.length > 1 && now - seen[0]!.at > 60_000) seen.shift();
    this.#seqs.set(topic, seen);
    const first = seen[0]!;
    const seconds = (now - first.at) / 1000;
    return seconds > 0
      ? Math.round((at.seq - first.seq) / seconds * 10) / 10
      : 0;
  }

  /** Counts one stream event (hand it to the stream options' `onEvent`). */
  countStreamEvent(event: StreamEvent): void {
    if (event.kind === "subscribe") {
      this.#stream[event.resumed ? "resumed" : "snapshots"]++;
    } else if (event.kind === "catch_up") this.#stream.catchUps++;
    else this.#stream.slowDisconnects++;
  }

  /** The picture now. */
  picture(): StatusPicture {
    const p = this.#parts;
    const pnl = p.pnl();
    const shown = isPnlState(pnl) ? pnl.sources : {};
    const sources: Record<string, SourceStatusLine> = {};
    const details = p.errorDetails?.() ?? {};
    for (const { id, breakerState } of p.sources()) {
      const s = shown[id];
      sources[id] = {
        status: s?.status ?? "error",
        breaker: breakerState,
        origin: s?.origin ?? "live",
        lastError: details[id] ?? (typeof s?.error === "string" ? s.error : ""),
        ...(s?.sync ? { sync: s.sync as SourceStatusLine["sync"] } : {}),
        state: stateWords(s?.status ?? "error", s?.sync),
        ...failureTimes(s),
        ...hourLine(p.readHour?.(id)),
      };
    }
    const cache: StatusPicture["cache"] = {};
    for (const t of p.tiers()) cache[t.name] = { up: t.up, ...t.stats };
    const topics: StatusPicture["topics"] = {};
    for (const t of p.hub.topics) {
      const position = p.hub.position(t);
      topics[t] = {
        ...position,
        subscribers: p.hub.subscriberCount(t),
        historyDepth: p.hub.historySize(t),
        perSecond: this.#rate(t, position),
      };
    }
    const holder = p.leaseHolder?.();
    const memory = p.memory?.();
    const cut = holder?.lastIndexOf(":") ?? -1;
    const worker = p.worker?.();
    return {
      stopping: p.stopping(),
      leader: p.leader(),
      ...(worker ? { worker } : {}),
      redis: {
        configured: p.redisConfigured,
        up: p.redisConfigured && p.redisUp(),
        ...(holder && cut > 0
          ? {
            leaseHolder: holder.slice(0, cut),
            fencingToken: Number(holder.slice(cut + 1)),
          }
          : {}),
      },
      sources,
      cache,
      topics,
      connections: { ws: 0, sse: 0, poll: 0, ...p.connections() },
      stream: { ...this.#stream },
      limits: {
        openFiles: p.openFilesLimit ?? null,
        ...(memory ? { memory } : {}),
      },
      alerts: p.alerts?.() ?? {},
      clients: Object.fromEntries(
        (p.clients?.() ?? []).map(({ id, ...line }) => [id, line]),
      ),
    };
  }

  /**
   * The health report of `GET /api/health`: the verdict over the parts an
   * anonymous caller may see (no error texts, no counters).
   */
  health(): HealthReport {
    const {
      stopping,
      sources,
      cache,
      redis,
      leader,
      worker,
      topics,
      connections,
      limits,
    } = this.picture();
    return judgeHealth({
      limits: {
        openFiles: limits.openFiles,
        connections: connections.ws + connections.sse + connections.poll,
        ...(limits.memory ? { memory: limits.memory } : {}),
      },
      stopping,
      sources: Object.fromEntries(
        Object.entries(sources).map((
          [id, { status, origin, breaker, sync }],
        ) => [id, { status, origin, breaker, ...(sync ? { sync } : {}) }]),
      ),
      cache: Object.fromEntries(
        Object.entries(cache).map(([name, { up }]) => [name, { up }]),
      ),
      // Who holds the lease names a host: not for the public report.
      redis: { configured: redis.configured, up: redis.up },
      leader,
      ...(worker ? { worker } : {}),
      topics: Object.fromEntries(
        Object.entries(topics).map((
          [t, { epoch, seq, subscribers }],
        ) => [t, { epoch, seq, subscribers }]),
      ),
    });
  }
}
