/**
 * Keeps the P&L on disk: the last published state (so a restart shows the
 * last figures at once, marked stale), a history point at most once a
 * second for the charts (the last change of a burst is written when the
 * second is up, so a chart never ends on a value the board left), a
 * point a minute while nothing changes (so a chart can tell "no change"
 * from "no data": a gap means the server was not recording), each
 * source's own series for its sparkline, and retention once an hour.
 *
 * A source's series lives in the history table under the key
 * {@linkcode sourceHistoryKey}, its amount in the net column; a point is
 * written only when the amount changed.
 *
 * One file for one job (what the P&L leaves on disk and when), kept whole
 * because the throttle, the keep-alive and the period rollover share one
 * timer and one notion of "the state last written".
 *
 * @module
 */
import type { SqliteStore } from "../store/mod.ts";
import type { Clock, TimerId } from "../time/mod.ts";
import {
  type JsonObject,
  sourceAmount,
  StateCalendar,
} from "../protocol/mod.ts";
import { isPnlState, markStale, type PnlState } from "./pnl_state.ts";

/** Options for {@linkcode PnlRecorder}. */
export interface PnlRecorderOptions {
  /** Time source for the throttle and the retention runs. */
  clock: Clock;
  /** The topic the P&L is published on. @default {"pnl"} */
  topic?: string;
  /**
   * Shortest time between two history points, ms.
   * @default {1000}
   */
  pointEveryMs?: number;
  /**
   * Longest time without a history point while the server runs, ms: the
   * last state is written again, so a longer silence in the history
   * means the server was down.
   * @default {60_000}
   */
  keepAliveMs?: number;
  /**
   * Time between retention runs (history thinning, old webhook ids), ms.
   * @default {3_600_000}
   */
  pruneEveryMs?: number;
  /**
   * How long webhook event ids are remembered for deduplication, ms:
   * redeliveries come within days.
   * @default {30 days}
   */
  dedupeMs?: number;
  /**
   * Whether this process writes: workers share one database, so only the
   * leader records what it publishes.
   * @default {() => true}
   */
  writes?: () => boolean;
  /**
   * Told when saving a published state failed (the live stream goes on).
   * @default {() => {}}
   */
  onError?: (error: unknown, topic: string) => void;
}

/** What was restored at start. */
export interface RestoredPnl {
  /** The last saved state, marked stale from L3. */
  state: PnlState;
  /** When it was saved, epoch ms. */
  savedAt: number;
  /** Each source's last figure in minor units, by id (those that had one). */
  figures: Record<string, number>;
}

/**
 * The history key of one source's own series (its amount over time).
 *
 * @param topic The P&L topic.
 * @param sourceId The source's id.
 * @returns A key no stream topic can take (topics have no `/`).
 */
export function sourceHistoryKey(topic: string, sourceId: string): string {
  return `${topic}/source/${sourceId}`;
}

/**
 * The history key of one reporting period's totals (week, month, quarter
 * or year to date; today's are the topic's own series).
 *
 * @param topic The P&L topic.
 * @param period The period's name, such as `mtd`.
 * @returns A key no stream topic can take.
 */
export function periodHistoryKey(topic: string, period: string): string {
  return `${topic}/period/${period}`;
}

/** Periods whose series get a point at most once a minute. */
const LONG_PERIODS = ["wtd", "mtd", "qtd", "ytd"] as const;

/**
 * Saves each published P&L state and throttles its history. Its timers
 * (the trailing and keep-alive points) stop with `close()`.
 *
 * @example Save, then restore as stale
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "@/lib/store/mod.ts";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { buildPnlState, PnlRecorder } from "@/lib/aggregate/mod.ts";
 * using store = SqliteStore.open(":memory:");
 * const recorder = new PnlRecorder(store, { clock: new FakeClock() });
 * recorder.record(buildPnlState({}, "USD"), 1, "abcd");
 * assert.equal(recorder.restore()?.state.currency, "USD");
 * ```
 */
export class PnlRecorder {
  #store: SqliteStore;
  #clock: Clock;
  #topic: string;
  #pointEveryMs: number;
  #pruneEveryMs: number;
  #keepAliveMs: number;
  #dedupeMs: number;
  // -Infinity: the first state always makes a point and a retention run.
  #lastPointAt = -Infinity;
  #lastPruneAt = -Infinity;
  /** The newest P&L state not yet in the history (throttled). */
  #pending?: PnlState;
  /** When the pending state was published (its periods stand then). */
  #pendingAt = 0;
  /** The state last written to the history, for keep-alive points. */
  #written?: PnlState;
  #writtenAt = 0;
  #calendars = new StateCalendar();
  /** Each source's amount as last written to its series. */
  #sourceAmounts = new Map<string, number>();
  #timer?: TimerId;
  #closed = false;
  /** When the longer periods last got a point (monotonic ms). */
  #lastPeriodPointAt = -Infinity;
  /** Today's start in the last periods recorded, to see a rollover. */
  #periodsFrom?: number;
  #onError: (error: unknown) => void = () => {};
  #writes: () => boolean;
  #reportError: (error: unknown, topic: string) => void;

  /** Creates a recorder over an open store. */
  constructor(store: SqliteStore, options: PnlRecorderOptions) {
    const {
      clock,
      topic = "pnl",
      pointEveryMs = 1_000,
      pruneEveryMs = 3_600_000,
      keepAliveMs = 60_000,
      dedupeMs = 30 * 86_400_000,
      writes = () => true,
      onError = () => {},
    } = options;
    this.#writes = writes;
    this.#reportError = onError;
    this.#store = store;
    this.#clock = clock;
    this.#topic = topic;
    this.#pointEveryMs = pointEveryMs;
    this.#pruneEveryMs = pruneEveryMs;
    this.#keepAliveMs = keepAliveMs;
    this.#dedupeMs = dedupeMs;
  }

  /** The last saved state, marked stale from L3; none on a first start. */
  restore(): RestoredPnl | undefined {
    const stored = this.#store.loadSnapshot(this.#topic);
    if (!stored || !isPnlState(stored.state)) return undefined;
    const figures: Record<string, number> = {};
    for (const id of Object.keys(stored.state.sources)) {
      const amount = sourceAmount(stored.state, id);
      if (amount !== undefined) figures[id] = amount;
    }
    return {
      state: markStale(stored.state, "L3"),
      savedAt: stored.savedAt,
      figures,
    };
  }

  /**
   * Records what the hub published, when it is the P&L topic: the hub's
   * `onPublish` hook. A failed save is reported, not thrown, because the
   * live stream goes on; only persistence of this state failed.
   *
   * @param topic The topic published.
   * @param position Its seq and epoch.
   * @param state The state after it.
   * @param onError Told when saving failed (default: the `onError` option).
   */
  recordPublished(
    topic: string,
    position: { seq: number; epoch: string },
    state: JsonObject,
    onError?: (error: unknown) => void,
  ): void {
    if (topic !== this.#topic || !this.#writes()) return;
    const report = onError ?? ((error) => this.#reportError(error, topic));
    this.#onError = report;
    try {
      this.record(state, position.seq, position.epoch);
    } catch (error) {
      report(error);
    }
  }

  /**
   * Saves a published state; adds a history point when the last is a
   * second old (else when the second is up), and runs retention once an
   * interval.
   *
   * @param state The state as published (a P&L state; anything else is
   *   saved but makes no history point).
   * @param seq Its seq.
   * @param epoch Its epoch.
   * @throws {Error} When the database refuses the write (the live stream
   *   goes on; the caller logs it).
   */
  record(state: JsonObject, seq: number, epoch: string): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    this.#store.relaxed(() =>
      this.#store.saveSnapshot(this.#topic, {
        state,
        seq,
        epoch,
        savedAt: now,
      })
    );
    if (!isPnlState(state)) return;
    this.#pending = state;
    this.#pendingAt = now;
    // The throttles run on monotonic time: a wall clock set back must not
    // stop the chart for as long as it was set back.
    const dueIn = this.#lastPointAt + this.#pointEveryMs -
      this.#clock.monotonic();
    if (dueIn <= 0) this.#writePoint();
    else this.#arm(dueIn);
  }

  /**
   * Writes the pending state (or, with none, the last one again) as a
   * point: its series, its sources' and its periods' in one transaction.
   */
  #writePoint(): void {
    this.#store.relaxed(() => this.#writePointNow());
  }

  #writePointNow(): void {
    const state = this.#pending ?? this.#written;
    if (!state) return;
    const stateAt = this.#pending ? this.#pendingAt : this.#writtenAt;
    const now = this.#clock.now();
    // A state from before a period boundary is not the value after it:
    // the keep-alive waits for the rolled state instead of repeating it.
    const today = this.#calendars.windows(state, stateAt).today;
    if (!this.#pending && today.to <= now) {
      this.#arm(this.#keepAliveMs);
      return;
    }
    const elapsed = this.#clock.monotonic();
    // A keep-alive point does not hold back the next change.
    if (this.#pending) this.#lastPointAt = elapsed;
    this.#pending = undefined;
    const before = this.#written;
    this.#written = state;
    this.#writtenAt = stateAt;
    const { revenueMinor, expensesMinor, tradingMinor, netMinor } =
      state.periods.today;
    this.#store.history.record(this.#topic, {
      at: now,
      revenueMinor,
      expensesMinor,
      tradingMinor,
      netMinor,
    });
    for (const id of Object.keys(state.sources)) {
      const amount = sourceAmount(state, id);
      if (
        amount === undefined || !Number.isSafeInteger(amount) ||
        this.#sourceAmounts.get(id) === amount
      ) continue;
      this.#sourceAmounts.set(id, amount as number);
      this.#store.history.record(sourceHistoryKey(this.#topic, id), {
        at: now,
        netMinor: amount as number,
        revenueMinor: 0,
        expensesMinor: 0,
        tradingMinor: 0,
      });
    }
    this.#recordPeriods(state, today.from, before, now, elapsed);
    this.#arm(this.#keepAliveMs);
    if (elapsed - this.#lastPruneAt < this.#pruneEveryMs) return;
    this.#lastPruneAt = elapsed;
    for (
      const key of [
        this.#topic,
        ...Object.keys(state.sources).map((id) =>
          sourceHistoryKey(this.#topic, id)
        ),
        ...LONG_PERIODS.map((p) => periodHistoryKey(this.#topic, p)),
      ]
    ) this.#store.history.prune(key, now);
    this.#store.ingest.prune(now - this.#dedupeMs);
  }

  /**
   * A point for each longer period's totals, at most once a minute (a
   * month's chart needs no finer grain), and at once when a period rolled.
   */
  #recordPeriods(
    state: PnlState,
    from: number,
    before: PnlState | undefined,
    now: number,
    elapsed: number,
  ): void {
    const rolled = this.#periodsFrom !== undefined &&
      from !== this.#periodsFrom;
    if (!rolled && elapsed - this.#lastPeriodPointAt < 60_000) {
      return;
    }
    // A period that closed keeps its final figures, just before the boundary.
    if (rolled && before) this.#writePeriods(before, from - 1);
    this.#periodsFrom = from;
    this.#lastPeriodPointAt = elapsed;
    this.#writePeriods(state, now);
  }

  #writePeriods(state: PnlState, at: number): void {
    for (const name of LONG_PERIODS) {
      const { netMinor, revenueMinor, expensesMinor, tradingMinor } =
        state.periods[name];
      this.#store.history.record(periodHistoryKey(this.#topic, name), {
        at,
        netMinor,
        revenueMinor,
        expensesMinor,
        tradingMinor,
      });
    }
  }

  /** (Re)sets the one timer: a trailing point, or a keep-alive point. */
  #arm(ms: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      try {
        this.#writePoint();
      } catch (error) {
        this.#onError(error);
      }
    }, ms);
  }

  /** Stops the timers; later states are not recorded. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Closes the recorder. */
  [Symbol.dispose](): void {
    this.close();
  }
}
