/**
 * The P&L engine, built in one piece from a sources file: every source
 * guarded (breaker, retry, timeout), read through the cache tiers on its
 * poll plan, polled while this process leads, and webhook deliveries
 * routed to their source. Pushed figures live in Redis when the cluster
 * shares it (so any instance can take a delivery), else in SQLite.
 *
 * @module
 */
import { openReadingCache, RedisTier, type TieredCache } from "../cache/mod.ts";
import { RedisIngest, RedisSync, type SqliteStore } from "../store/mod.ts";
import type { Logger } from "../log.ts";
import type { RedisConnection } from "../redis/mod.ts";
import {
  createSources,
  type DeclaredSource,
  guardDeclared,
  type GuardedSource,
  IngestRouter,
  type Reading,
  type SourcesFile,
} from "../sources/mod.ts";
import type { Clock, ReportingCalendar } from "../time/mod.ts";
import { cachedRead, type ReadOutcome } from "./cached_read.ts";
import { PnlPolling } from "./pnl_polling.ts";
import type { FigureOrigin, PnlState } from "./pnl_state.ts";
import { pollPlans } from "./poll_plans.ts";

/** Options for {@linkcode createPnlEngine}. */
export interface PnlEngineOptions {
  /** Time source for every timer, limit and cache expiry. */
  clock: Clock;
  /** Uniform random numbers in [0, 1), for poll and retry jitter. */
  random: () => number;
  /** Where breaker changes and failed polls are logged. */
  log: Logger;
  /** The environment, where the sources file's secrets are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** The SQLite store: L3, and pushed figures without Redis. */
  store: SqliteStore;
  /** The Redis connection: L2, and pushed figures shared by every instance. */
  redis?: RedisConnection;
  /** Cache freshness for every polled source, ms (default: half its interval). */
  cacheTtlMs?: number;
  /** A source's last figure shown before this start, to seed pushed sources. */
  lastKnown: (sourceId: string) => number | undefined;
  /** The P&L shown now (each polling term starts from it). */
  shown: () => unknown;
  /** Where the shown figures came from (`L2` when shared through Redis). */
  shownFrom: FigureOrigin;
  /** Receives each new P&L state. */
  onState: (state: PnlState) => void;
  /** A delivery was stored: the leader should read that source now. */
  onStored: (sourceId: string) => void;
  /** The board's reporting calendar (periods, rollovers). */
  calendar?: ReportingCalendar;
  /** Counts a retry of a source (metrics). */
  onRetry?: (sourceId: string, throttled: boolean) => void;
  /** Counts a read: seconds taken and where the answer came from (metrics). */
  onRead?: (sourceId: string, seconds: number, outcome: ReadOutcome) => void;
}

/** The engine's parts, for the routes, the status picture and shutdown. */
export interface PnlEngine extends Disposable {
  /** The sources as declared. */
  readonly declared: readonly DeclaredSource[];
  /** The same sources behind their breakers, for status. */
  readonly guarded: readonly GuardedSource[];
  /** The cache tiers, for status. */
  readonly cache: TieredCache<Reading>;
  /** Polling, started and stopped by leadership. */
  readonly polling: PnlPolling;
  /** Webhook deliveries to their source; empty without pushed sources. */
  readonly webhooks: IngestRouter;
  /**
   * A delivery to source `id` was stored (on any instance): read it now. A
   * webhook source's read is of the stored figure, never an upstream, so
   * an open breaker (its reads failed before the first event) is closed
   * first instead of keeping the delivery off the board for a cooldown.
   */
  delivered(id: string): void;
  /**
   * A notice from any instance about source `id`: `ingest` (a delivery was
   * stored: see `delivered`), `read` (an operator's "read now": the leader
   * reads it at once) or `reset` (close its breaker wherever it is polled).
   * Other kinds are ignored.
   */
  notice(kind: string, id: string): void;
}

/**
 * Builds the engine (see the module text).
 *
 * @param sourcesFile The parsed sources file (or the built-in simulator's).
 * @param options The parts it runs on.
 * @returns The parts; polling waits for `polling.start()`.
 * @throws {SourcesFileError} When a source cannot be created.
 */
export async function createPnlEngine(
  sourcesFile: SourcesFile,
  options: PnlEngineOptions,
): Promise<PnlEngine> {
  const { clock, random, log, store, redis } = options;
  const l2 = redis && new RedisTier<Reading>({ redis, clock });
  const cache = await openReadingCache<Reading>({ clock, store, l2 });
  // With Redis, pushed figures are shared there and copied here, so a
  // Redis that comes back empty is refilled, not zeroed.
  const ingest = redis && new RedisIngest({
    redis,
    clock,
    random,
    replica: store.ingest,
    onError: (error) => log.warn("ingest parts", { error }),
    // Every instance's part is back: the pushed sources are read again
    // now, not at their next interval.
    onSettled: () => {
      for (const { common } of declared) {
        if (common.kind === "webhook") polling.refresh(common.id);
      }
    },
  });
  // Every instance puts its parts back when Redis comes back empty (a
  // restart, a FLUSHALL): at once when it reconnects, else within a second.
  const watching = ingest?.watch();
  if (redis && ingest) {
    const check = () =>
      ingest.check().catch((error) =>
        log.warn("ingest parts not restored yet", { error })
      );
    redis.onReady(() => void check());
    if (redis.up) await check();
  }
  const declared = await createSources(sourcesFile, {
    clock,
    env: options.env,
    ingest: ingest ?? store.ingest,
    lastKnown: options.lastKnown,
    calendar: options.calendar,
    // With Redis, the sync is shared: a new leader goes on with the job.
    sync: redis ? new RedisSync({ redis }) : store.sync,
  });
  const guarded = guardDeclared(declared, {
    clock,
    onRetry: options.onRetry,
    // Opening and closing are news; the half-open probes between them
    // (one per cooldown) are not, or an outage writes a line a minute.
    onBreakerChange: (source, change) => {
      if (change.to === "open" && change.from === "closed") {
        log.warn("circuit breaker opened", { source, ...change });
      } else if (change.to === "closed") {
        log.info("circuit breaker closed", { source, ...change });
      } else log.debug("circuit breaker", { source, ...change });
    },
  });
  const plans = pollPlans(declared, { cacheTtlMs: options.cacheTtlMs });
  const polling = new PnlPolling({
    clock,
    sources: guarded,
    plans,
    random,
    currency: sourcesFile.currency,
    calendar: options.calendar,
    labels: Object.fromEntries(
      declared.flatMap(({ common }) =>
        common.label ? [[common.id, common.label]] : []
      ),
    ),
    shown: options.shown,
    shownFrom: options.shownFrom,
    read: cachedRead(cache, {
      clock,
      ttlMs: (id) => plans[id]?.cacheTtlMs ?? 0,
      onRead: options.onRead,
    }),
    onState: options.onState,
    onError: (error) => log.error("poll failed", { error }),
  });
  const webhooks = new IngestRouter(declared, { onStored: options.onStored });
  const pushedOnly = new Set(
    declared.filter(({ common }) => common.kind === "webhook").map((
      { common },
    ) => common.id),
  );
  const delivered = (id: string) => {
    const source = guarded.find((s) => s.id === id);
    if (pushedOnly.has(id) && source?.breakerState === "open") {
      source.resetBreaker("a delivery was stored");
    }
    polling.refresh(id);
  };
  return {
    declared,
    guarded,
    cache,
    polling,
    webhooks,
    delivered,
    notice(kind, id) {
      if (kind === "ingest") delivered(id);
      else if (kind === "read") polling.refresh(id);
      else if (kind === "reset") {
        guarded.find((s) => s.id === id)?.resetBreaker("reset by an operator");
      }
    },
    [Symbol.dispose]() {
      watching?.[Symbol.dispose]();
      polling.close();
      for (const { source } of declared) source[Symbol.dispose]?.();
    },
  };
}
