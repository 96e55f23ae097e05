/**
 * Keeps the P&L on disk: the last published state (so a restart shows the
 * last figures at once, marked stale), a history point at most once a
 * second for the charts, and retention once an hour.
 *
 * @module
 */
import type { SqliteStore } from "../cache/mod.ts";
import type { Clock } from "../time/mod.ts";
import type { JsonObject } from "../protocol/mod.ts";
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
 * Saves each published P&L state and throttles its history.
 *
 * @example Save, then restore as stale
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStore } from "@/lib/cache/mod.ts";
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
  #dedupeMs: number;
  // -Infinity: the first state always makes a point and a retention run.
  #lastPointAt = -Infinity;
  #lastPruneAt = -Infinity;

  /** Creates a recorder over an open store. */
  constructor(store: SqliteStore, options: PnlRecorderOptions) {
    const {
      clock,
      topic = "pnl",
      pointEveryMs = 1_000,
      pruneEveryMs = 3_600_000,
      dedupeMs = 30 * 86_400_000,
    } = options;
    this.#store = store;
    this.#clock = clock;
    this.#topic = topic;
    this.#pointEveryMs = pointEveryMs;
    this.#pruneEveryMs = pruneEveryMs;
    this.#dedupeMs = dedupeMs;
  }

  /** The last saved state, marked stale from L3; none on a first start. */
  restore(): RestoredPnl | undefined {
    const stored = this.#store.loadSnapshot(this.#topic);
    if (!stored || !isPnlState(stored.state)) return undefined;
    const figures: Record<string, number> = {};
    for (const [id, s] of Object.entries(stored.state.sources)) {
      if (Number.isSafeInteger(s.amountMinor)) {
        figures[id] = s.amountMinor as number;
      }
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
   * @param onError Told when saving failed.
   */
  recordPublished(
    topic: string,
    position: { seq: number; epoch: string },
    state: JsonObject,
    onError: (error: unknown) => void,
  ): void {
    if (topic !== this.#topic) return;
    try {
      this.record(state, position.seq, position.epoch);
    } catch (error) {
      onError(error);
    }
  }

  /**
   * Saves a published state; adds a history point when the last is a
   * second old, and runs retention once an interval.
   *
   * @param state The state as published (a P&L state; anything else is
   *   saved but makes no history point).
   * @param seq Its seq.
   * @param epoch Its epoch.
   * @throws {Error} When the database refuses the write (the live stream
   *   goes on; the caller logs it).
   */
  record(state: JsonObject, seq: number, epoch: string): void {
    const now = this.#clock.now();
    // The throttles run on monotonic time: a wall clock set back must not
    // stop the chart for as long as it was set back.
    const elapsed = this.#clock.monotonic();
    this.#store.saveSnapshot(this.#topic, { state, seq, epoch, savedAt: now });
    if (
      !isPnlState(state) || elapsed - this.#lastPointAt < this.#pointEveryMs
    ) {
      return;
    }
    this.#lastPointAt = elapsed;
    this.#store.history.record(this.#topic, { at: now, ...state.totals });
    if (elapsed - this.#lastPruneAt < this.#pruneEveryMs) return;
    this.#lastPruneAt = elapsed;
    this.#store.history.prune(this.#topic, now);
    this.#store.ingest.prune(now - this.#dedupeMs);
  }
}
