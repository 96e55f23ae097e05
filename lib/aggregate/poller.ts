/**
 * Polls every source on an interval and turns their readings into the
 * `pnl` state. One failing source never blanks the others: it keeps its
 * last good figure, marked stale, with the error in words. Over 350 lines
 * because scheduling, deadlines, the period boundary and recording a
 * read's outcome share the slot state (the outcome's words are in
 * `outcome_track.ts`); the boundary timer is the next seam to split along.
 *
 * @module
 */
import { CircuitOpenError, Deadline } from "../resilience/mod.ts";
import {
  type Clock,
  type ReportingCalendar,
  systemRandom,
  type TimerId,
} from "../time/mod.ts";
import type { ReadContext, Reading, Source } from "../sources/mod.ts";
import { summarizeError } from "./error_summary.ts";
import { noteOutcome, type OutcomeTrack } from "./outcome_track.ts";
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
  context?: ReadContext,
): Promise<SourceRead> {
  return {
    reading: await source.read(signal, context),
    origin: "live",
    fresh: true,
  };
}

/** How one source is scheduled. */
export interface PollPlan {
  /** Time from the end of one read to the start of the next, ms. */
  intervalMs?: number;
  /** Time limit of one whole read (all its retries), ms. */
  deadlineMs?: number;
  /** Fraction of the interval added at random to each wait; the poller's `jitter` when absent. */
  jitter?: number;
  /**
   * Sources with the same group are read together, as one (parts of one
   * upstream, such as the simulator's three figures): one publish for
   * all of them. The first member's interval and deadline apply.
   */
  group?: string;
}

/** Options for {@linkcode PnlPoller}. */
export interface PnlPollerOptions {
  /** Time source for the intervals and the deadlines. */
  clock: Clock;
  /** The sources to read. */
  sources: readonly Source[];
  /**
   * Milliseconds between reads of a source without a plan; also its
   * read's deadline.
   * @default {1000}
   */
  intervalMs?: number;
  /** Per-source interval and deadline, by source id. */
  plans?: Readonly<Record<string, PollPlan>>;
  /**
   * Fraction of the interval added at random to each wait (0.1 = up to
   * 10% more), so sources polled on the same interval drift apart; a
   * plan's own `jitter` wins.
   * @default {0}
   */
  jitter?: number;
  /**
   * Uniform random numbers in [0, 1), for the jitter.
   * @default {systemRandom}
   */
  random?: () => number;
  /**
   * The reporting currency.
   * @default {"USD"}
   */
  currency?: string;
  /** Receives the state after every read that completes. */
  onState: (state: PnlState) => void;
  /**
   * How a source is read (through the cache tiers, in production).
   * @default {readLive}
   */
  read?: (
    source: Source,
    signal: AbortSignal,
    context?: ReadContext,
  ) => Promise<SourceRead>;
  /**
   * The board's reporting calendar: with it, flows report their periods,
   * the state has periods and balances, and at each boundary (midnight in
   * the board's zone) the periods roll at that instant and every source is
   * read again.
   */
  calendar?: ReportingCalendar;
  /** Receives errors that stopped a state from being built. */
  onError?: (error: unknown) => void;
  /**
   * What each source showed before this poller started (a restored
   * state): shown until the source is read, instead of nothing.
   */
  initial?: Readonly<Record<string, SourceReport>>;
  /** The name the board shows for each source, by id, where one is given. */
  labels?: Readonly<Record<string, string>>;
}

interface Slot {
  sources: Source[];
  intervalMs: number;
  deadlineMs: number;
  jitter: number;
  timer?: TimerId;
  inFlight?: Promise<void>;
  deadline?: Deadline;
  again: boolean;
  /** When the read after the one in flight is due (monotonic ms), once scheduled. */
  nextDue?: number;
  /** The next read must reach the upstream (a push said it changed). */
  live?: boolean;
}

/**
 * Reads every source on its own schedule and reports the P&L after each
 * read. A source's next read starts only after its last one ended (never
 * two at once), so a slow or failing source delays no other.
 *
 * @example One round
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
  #slots: Slot[];
  #random: () => number;
  #currency: string;
  #onState: (state: PnlState) => void;
  #read: (
    source: Source,
    signal: AbortSignal,
    context?: ReadContext,
  ) => Promise<SourceRead>;
  #calendar?: ReportingCalendar;
  #boundaryTimer?: TimerId;
  #onError: (error: unknown) => void;
  #reports = new Map<string, SourceReport>();
  #tracks = new Map<string, OutcomeTrack>();
  #labels: Readonly<Record<string, string>>;
  /** Each failing source's full error text, for operators only. */
  #details = new Map<string, string>();
  #started = false;
  #closed = false;

  /** Creates a stopped poller; call {@linkcode PnlPoller.start}. */
  constructor(options: PnlPollerOptions) {
    const {
      clock,
      sources,
      intervalMs = 1000,
      plans = {},
      jitter = 0,
      random = systemRandom,
      currency = "USD",
      onState,
      onError = () => {},
      read = readLive,
      labels = {},
    } = options;
    const positive = (name: string, v: number) => {
      if (!(v > 0) || !Number.isFinite(v)) {
        throw new RangeError(
          `Cannot create poller: '${name}' must be a positive number, received ${v}`,
        );
      }
    };
    positive("intervalMs", intervalMs);
    const fraction = (name: string, v: number) => {
      if (!(v >= 0 && v <= 1)) {
        throw new RangeError(
          `Cannot create poller: '${name}' must be from 0 to 1, received ${v}`,
        );
      }
    };
    fraction("jitter", jitter);
    this.#slots = [];
    const groups = new Map<string, Slot>();
    for (const source of sources) {
      const plan = plans[source.id] ?? {};
      const joined = plan.group !== undefined
        ? groups.get(plan.group)
        : undefined;
      if (joined) {
        joined.sources.push(source);
        continue;
      }
      const every = plan.intervalMs ?? intervalMs;
      const deadlineMs = plan.deadlineMs ?? every;
      positive(`plans.${source.id}.intervalMs`, every);
      positive(`plans.${source.id}.deadlineMs`, deadlineMs);
      fraction(`plans.${source.id}.jitter`, plan.jitter ?? jitter);
      const slot = {
        sources: [source],
        intervalMs: every,
        deadlineMs,
        jitter: plan.jitter ?? jitter,
        again: false,
      };
      this.#slots.push(slot);
      if (plan.group !== undefined) groups.set(plan.group, slot);
    }
    for (const source of sources) {
      const before = options.initial?.[source.id];
      if (before?.role === source.role) {
        // The file's label and interval now, not the restored ones.
        const { label: _label, everyMs: _every, ...rest } = before;
        this.#reports.set(source.id, { ...rest, kind: source.kind });
      }
    }
    this.#clock = clock;
    this.#random = random;
    this.#currency = currency;
    this.#onState = onState;
    this.#read = read;
    this.#onError = onError;
    this.#labels = labels;
    this.#calendar = options.calendar;
    for (const [id, before] of this.#reports) {
      if (before.lastSuccessAt) {
        this.#tracks.set(id, {
          lastSuccessAt: Date.parse(before.lastSuccessAt),
        });
      }
    }
  }

  /** Reads every source now, then each on its own interval, until closed. */
  start(): void {
    if (this.#closed || this.#started) return;
    this.#started = true;
    for (const slot of this.#slots) {
      slot.timer = this.#clock.setTimeout(() => this.#loop(slot), 0);
    }
    this.#armBoundary();
  }

  /**
   * Waits for the next period boundary; then publishes at once (the new
   * periods start at zero: nothing has moved in them yet) and reads every
   * source again.
   */
  #armBoundary(): void {
    const calendar = this.#calendar;
    if (!calendar || this.#closed) return;
    const boundary = calendar.nextBoundary(this.#clock.now());
    // Timers run on monotonic time and the boundary is a wall-clock
    // instant: look again at least hourly, so a clock set forward or back
    // still rolls at the boundary, not hours off.
    const wait = Math.min(boundary - this.#clock.now(), 3_600_000);
    this.#boundaryTimer = this.#clock.setTimeout(() => {
      this.#boundaryTimer = undefined;
      if (this.#closed) return;
      if (this.#clock.now() >= boundary) {
        this.#publish();
        for (const slot of this.#slots) this.refresh(slot.sources[0]!.id);
      }
      this.#armBoundary();
    }, Math.max(0, wait));
  }

  /**
   * Reads one source now (a webhook delivery just changed it), or right
   * after the read in flight, without waiting for its interval.
   *
   * @param id The source id.
   * @returns Whether there is such a source.
   */
  refresh(id: string): boolean {
    const slot = this.#slots.find((s) => s.sources.some((x) => x.id === id));
    if (!slot || this.#closed) return Boolean(slot);
    slot.live = true;
    if (slot.inFlight) {
      slot.again = true;
    } else if (this.#started) {
      if (slot.timer !== undefined) this.#clock.clearTimeout(slot.timer);
      slot.timer = this.#clock.setTimeout(() => this.#loop(slot), 0);
    } else {
      void this.#readSlot(slot, true);
    }
    return true;
  }

  /**
   * Reads every source once, in parallel, each under its own deadline,
   * and reports the state once. A source that fails keeps its last good
   * figure, marked stale (or `open` when its breaker is open).
   */
  async tick(): Promise<void> {
    if (this.#closed) return;
    await Promise.all(this.#slots.map((slot) => this.#readSlot(slot, false)));
    this.#publish();
  }

  async #loop(slot: Slot): Promise<void> {
    slot.timer = undefined;
    if (this.#closed) return;
    let started: number;
    do {
      slot.again = false;
      started = this.#clock.monotonic();
      // Counted from the read's start, so the time it took (and the
      // fan-out of what it published) does not stretch the interval; a
      // read slower than its interval is followed by the next one at once,
      // never two at the same time. Drawn before the read, so a failed
      // read can say when the next try is.
      slot.nextDue = started +
        slot.intervalMs * (1 + slot.jitter * this.#random());
      await this.#readSlot(slot, true);
    } while (slot.again && !this.#closed);
    if (this.#closed) return;
    const wait = Math.max(0, slot.nextDue - this.#clock.monotonic());
    slot.timer = this.#clock.setTimeout(() => this.#loop(slot), wait);
  }

  /** One read of one source; joins a read already in flight. */
  #readSlot(slot: Slot, publish: boolean): Promise<void> {
    if (slot.inFlight) return slot.inFlight;
    const run = async () => {
      using deadline = new Deadline(slot.deadlineMs, {
        clock: this.#clock,
        operation: `reading ${slot.sources.map((s) => s.id).join(", ")}`,
      });
      slot.deadline = deadline;
      const live = slot.live === true;
      slot.live = false;
      const results = await Promise.allSettled(
        slot.sources.map((source) =>
          this.#read(source, deadline.signal, this.#context(live))
        ),
      );
      if (this.#closed) return;
      results.forEach((result, i) =>
        this.#record(slot.sources[i]!, result, slot)
      );
      if (publish) this.#publish();
    };
    slot.inFlight = run().finally(() => {
      slot.inFlight = undefined;
      slot.deadline = undefined;
    });
    return slot.inFlight;
  }

  #record(
    source: Source,
    result: PromiseSettledResult<SourceRead>,
    slot: Slot,
  ): void {
    const previous = this.#reports.get(source.id);
    const failure = result.status === "fulfilled"
      ? result.value.error
      : result.reason;
    const described = failure === undefined
      ? undefined
      : summarizeError(failure);
    if (described) this.#details.set(source.id, described.detail);
    else this.#details.delete(source.id);
    const report: SourceReport = result.status === "fulfilled"
      ? {
        kind: source.kind,
        role: source.role,
        reading: result.value.reading,
        status: result.value.fresh
          ? result.value.reading.syncing ? "syncing" : "ok"
          : result.value.error instanceof CircuitOpenError
          ? "open"
          : "stale",
        origin: result.value.origin,
        ...(described ? { error: described.summary } : {}),
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
        error: described!.summary,
      };
    const syncing = result.status === "fulfilled" &&
      result.value.reading.syncing;
    if (syncing && report.status === "syncing") {
      report.sync = { ...syncing };
      // Go on at once (paced by the source's rate cap), past the cache.
      slot.again = true;
      slot.live = true;
    }
    this.#track(source.id, report, failure, slot);
    this.#reports.set(source.id, report);
  }

  /** Adds what the board shows beside the figure: name and interval. */
  #describe(id: string, report: SourceReport, slot: Slot): SourceReport {
    const label = this.#labels[id];
    return {
      ...report,
      ...(label ? { label } : {}),
      everyMs: slot.intervalMs,
    };
  }

  /**
   * Notes a read's outcome in the source's track and, while it fails,
   * tells the report when it last succeeded, since when it fails and when
   * the next try is. A healthy source's report carries none of these, so
   * a quiet source publishes nothing new between changes.
   */
  /** Notes the outcome; while failing, the report says when it tries next. */
  #track(
    id: string,
    report: SourceReport,
    failure: unknown,
    slot: Slot,
  ): void {
    const track = this.#tracks.get(id) ?? {};
    this.#tracks.set(id, track);
    // An open breaker lets nothing through before its cooldown ends.
    const nextTryInMs = this.#started && slot.nextDue !== undefined
      ? Math.max(
        slot.nextDue - this.#clock.monotonic(),
        failure instanceof CircuitOpenError ? failure.retryAfterMs : 0,
      )
      : undefined;
    noteOutcome(track, report, this.#clock.now(), nextTryInMs);
  }

  #publish(): void {
    if (this.#closed) return;
    try {
      // Sources not read yet are listed too, so the board shows them.
      const reports: Record<string, SourceReport> = {};
      for (const slot of this.#slots) {
        for (const source of slot.sources) {
          reports[source.id] = this.#describe(
            source.id,
            this.#reports.get(source.id) ?? {
              kind: source.kind,
              role: source.role,
              status: "error",
              origin: "live",
              error: "not read yet",
            },
            slot,
          );
        }
      }
      this.#onState(
        buildPnlState(reports, this.#currency, {
          calendar: this.#calendar,
          at: this.#clock.now(),
        }),
      );
    } catch (error) {
      this.#onError(error);
    }
  }

  /** What a read is for: the periods as they stand now. */
  #context(live = false): ReadContext | undefined {
    return this.#calendar && {
      periods: this.#calendar.periods(this.#clock.now()),
      ...(live ? { live } : {}),
    };
  }

  /**
   * The full error text of each source whose last read failed (with its
   * causes): for operators (`/admin`, logs), never for viewers, whose P&L
   * state carries only the summary.
   */
  errorDetails(): Record<string, string> {
    return Object.fromEntries(this.#details);
  }

  /** Stops reading and aborts the reads in flight. */
  close(): void {
    this.#closed = true;
    if (this.#boundaryTimer !== undefined) {
      this.#clock.clearTimeout(this.#boundaryTimer);
    }
    for (const slot of this.#slots) {
      if (slot.timer !== undefined) this.#clock.clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.deadline?.abort(new Error("poller closed"));
    }
  }

  /** Disposes the poller. */
  [Symbol.dispose](): void {
    this.close();
  }
}
