/**
 * Polling by terms: a poller runs while this instance leads and stops
 * when it follows; each term starts from the figures already shown, so a
 * new leader never blanks the board while its first reads are in flight.
 *
 * @module
 */
import { PnlPoller, type PnlPollerOptions } from "./poller.ts";
import { type FigureOrigin, isPnlState, type PnlState } from "./pnl_state.ts";
import { reportsOf } from "./pnl_restore.ts";

/** Options for {@linkcode PnlPolling}: the poller's, and what is shown. */
export interface PnlPollingOptions extends Omit<PnlPollerOptions, "initial"> {
  /** The P&L shown now (the hub's state of the topic). */
  shown: () => unknown;
  /**
   * Where the shown figures came from, as the first term reports them
   * until each source is read: `L3` for a restored state, `L2` when the
   * state is shared through Redis.
   * @default {"L3"}
   */
  shownFrom?: FigureOrigin;
}

/**
 * Starts and stops polling as leadership comes and goes.
 *
 * @example A term polls, a stop ends it
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Simulator } from "@/lib/sources/mod.ts";
 * import { PnlPolling } from "@/lib/aggregate/mod.ts";
 * const clock = new FakeClock();
 * const states: unknown[] = [];
 * const polling = new PnlPolling({
 *   clock, sources: new Simulator({ clock }).sources(),
 *   shown: () => undefined, onState: (s) => states.push(s),
 * });
 * polling.start();
 * await clock.advance(0);
 * assert.equal(polling.running, true);
 * polling.stop();
 * assert.equal(polling.running, false);
 * assert.ok(states.length >= 1);
 * ```
 */
export class PnlPolling {
  #options: PnlPollingOptions;
  #poller?: PnlPoller;
  #closed = false;

  /** Creates it stopped. */
  constructor(options: PnlPollingOptions) {
    this.#options = options;
  }

  /**
   * The full error text of each failing source in the current term, for
   * operators (see `PnlPoller.errorDetails`); empty between terms.
   */
  errorDetails(): Record<string, string> {
    return this.#poller?.errorDetails() ?? {};
  }

  /** Whether a term is running. */
  get running(): boolean {
    return this.#poller !== undefined;
  }

  /** Begins a term (when none runs), from the figures shown now. */
  start(): void {
    if (this.#poller || this.#closed) return;
    const { shown, shownFrom = "L3", ...poller } = this.#options;
    const state = shown();
    this.#poller = new PnlPoller({
      ...poller,
      initial: isPnlState(state)
        ? reportsOf(state as PnlState, shownFrom)
        : undefined,
    });
    this.#poller.start();
    // Pushes (Kalshi's WebSocket) only while this instance polls: each
    // says "read now".
    for (const source of poller.sources) {
      source.live?.start(() => this.refresh(source.id));
    }
  }

  /** Ends the term, aborting its reads in flight and closing pushes. */
  stop(): void {
    if (this.#poller) {
      for (const source of this.#options.sources) source.live?.stop();
    }
    this.#poller?.close();
    this.#poller = undefined;
  }

  /**
   * Reads one source now (a delivery changed it), when a term runs.
   *
   * @param id The source id.
   */
  refresh(id: string): void {
    this.#poller?.refresh(id);
  }

  /** Stops for good: later starts do nothing. */
  close(): void {
    this.#closed = true;
    this.stop();
  }

  /** Disposes it. */
  [Symbol.dispose](): void {
    this.close();
  }
}
