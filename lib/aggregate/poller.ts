/**
 * Polls every source on an interval and turns their readings into the
 * `pnl` state. One failing source never blanks the others: it keeps its
 * last good figure, marked stale, with the error in words.
 *
 * @module
 */
import { CircuitOpenError, Deadline } from "../resilience/mod.ts";
import type { Clock, TimerId } from "../time/mod.ts";
import type { Reading, Source } from "../sources/mod.ts";
import {
  buildPnlState,
  type FigureOrigin,
  type PnlState,
  type SourceReport,
} from "./pnl_state.ts";

/** What one read of a source produced, and from where. */
export interface SourceRead {
  /** The reading. */
  reading: Reading;
  /** `live` when read now, else the cache tier that stood in. */
  origin: FigureOrigin;
  /** Whether it is current (a cached stand-in after a failure is not). */
  fresh: boolean;
  /** Why the upstream was not used, when it failed. */
  error?: unknown;
}

/**
 * Reads a source straight from upstream (no cache).
 *
 * @param source The source.
 * @param signal Aborts the read.
 * @returns The reading, tagged live.
 */
export async function readLive(
  source: Source,
  signal: AbortSignal,
): Promise<SourceRead> {
  return { reading: await source.read(signal), origin: "live", fresh: true };
}

/** Options for {@linkcode PnlPoller}. */
export interface PnlPollerOptions {
  /** Time source for the interval and the per-tick deadline. */
  clock: Clock;
  /** The sources to read. */
  sources: readonly Source[];
  /**
   * Milliseconds between ticks; also each tick's deadline.
   * @default {1000}
   */
  intervalMs?: number;
  /**
   * The reporting currency.
   * @default {"USD"}
   */
  currency?: string;
  /** Receives each tick's state. */
  onState: (state: PnlState) => void;
  /**
   * How a source is read (through the cache tiers, in production).
   * @default {readLive}
   */
  read?: (source: Source, signal: AbortSignal) => Promise<SourceRead>;
  /** Receives errors that stopped a tick from producing a state. */
  onError?: (error: unknown) => void;
}

/**
 * Reads all sources in parallel each tick and reports the P&L.
 *
 * @example One tick
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { Simulator } from "@/lib/sources/mod.ts";
 * import { PnlPoller } from "@/lib/aggregate/poller.ts";
 * const clock = new FakeClock();
 * const states: unknown[] = [];
 * const poller = new PnlPoller({
 *   clock,
 *   sources: new Simulator({ clock }).sources(),
 *   onState: (s) => states.push(s),
 * });
 * await poller.tick();
 * assert.equal(states.length, 1);
 * poller.close();
 * ```
 */
export class PnlPoller {
  #clock: Clock;
  #sources: readonly Source[];
  #intervalMs: number;
  #currency: string;
  #onState: (state: PnlState) => void;
  #read: (source: Source, signal: AbortSignal) => Promise<SourceRead>;
  #onError: (error: unknown) => void;
  #reports = new Map<string, SourceReport>();
  #timer?: TimerId;
  #inFlight?: Deadline;
  #closed = false;

  /** Creates a stopped poller; call {@linkcode PnlPoller.start}. */
  constructor(options: PnlPollerOptions) {
    const {
      clock,
      sources,
      intervalMs = 1000,
      currency = "USD",
      onState,
      onError = () => {},
      read = readLive,
    } = options;
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
      throw new RangeError(
        `Cannot create poller: 'intervalMs' must be a positive number, received ${intervalMs}`,
      );
    }
    this.#clock = clock;
    this.#sources = sources;
    this.#intervalMs = intervalMs;
    this.#currency = currency;
    this.#onState = onState;
    this.#read = read;
    this.#onError = onError;
  }

  /** Ticks now and then once per interval until closed. */
  start(): void {
    if (this.#closed || this.#timer !== undefined) return;
    const loop = async () => {
      this.#timer = undefined;
      await this.tick();
      if (!this.#closed) {
        this.#timer = this.#clock.setTimeout(loop, this.#intervalMs);
      }
    };
    this.#timer = this.#clock.setTimeout(loop, 0);
  }

  /**
   * Reads every source once, in parallel under one deadline (the
   * interval), and reports the state. A source that fails keeps its last
   * good figure, marked stale (or `open` when its breaker is open).
   */
  async tick(): Promise<void> {
    if (this.#closed) return;
    using deadline = new Deadline(this.#intervalMs, {
      clock: this.#clock,
      operation: "polling sources",
    });
    this.#inFlight = deadline;
    try {
      const results = await Promise.allSettled(
        this.#sources.map((s) => this.#read(s, deadline.signal)),
      );
      if (this.#closed) return;
      results.forEach((result, i) => {
        const source = this.#sources[i] as Source;
        const previous = this.#reports.get(source.id);
        this.#reports.set(
          source.id,
          result.status === "fulfilled"
            ? {
              kind: source.kind,
              role: source.role,
              reading: result.value.reading,
              status: result.value.fresh
                ? "ok"
                : result.value.error instanceof CircuitOpenError
                ? "open"
                : "stale",
              origin: result.value.origin,
              ...(result.value.error !== undefined
                ? { error: describeError(result.value.error) }
                : {}),
            }
            : {
              kind: source.kind,
              role: source.role,
              reading: previous?.reading,
              status: result.reason instanceof CircuitOpenError
                ? "open"
                : previous?.reading
                ? "stale"
                : "error",
              origin: previous?.origin ?? "live",
              error: describeError(result.reason),
            },
        );
      });
      this.#onState(
        buildPnlState(Object.fromEntries(this.#reports), this.#currency),
      );
    } catch (error) {
      this.#onError(error);
    } finally {
      if (this.#inFlight === deadline) this.#inFlight = undefined;
    }
  }

  /** Stops ticking and aborts a read in flight. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight?.abort(new Error("poller closed"));
  }

  /** Disposes the poller. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
