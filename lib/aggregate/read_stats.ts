/**
 * How each source's reads went over the last hour, for the operator
 * console: reads and errors, latency percentiles, and a value a minute
 * for the sparklines. Bounded: a minute keeps at most `samplesPerMinute`
 * latencies (a uniform sample past that), an hour sixty minutes.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";

/** One source's last hour. */
export type ReadSummary = {
  /** Reads (from cache or upstream) in the window. */
  reads: number;
  /** Reads that failed. */
  errors: number;
  /** Latency percentiles over the window, ms (0 without reads). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** The median latency of each minute, oldest first, ms. */
  latencyMs: number[];
  /** Errors in each minute, oldest first. */
  errorsPerMinute: number[];
};

/** Options for {@linkcode ReadStats}. */
export interface ReadStatsOptions {
  clock: Clock;
  /**
   * Minutes kept.
   * @default {60}
   */
  minutes?: number;
  /**
   * Latencies kept per minute and source.
   * @default {120}
   */
  samplesPerMinute?: number;
  /** Uniform random numbers in [0, 1), for the sample. */
  random: () => number;
}

type Minute = {
  index: number;
  latencies: number[];
  seen: number;
  errors: number;
};

/** Per-source read statistics over a sliding hour. */
export class ReadStats {
  #o: ReadStatsOptions;
  #bySource = new Map<string, Minute[]>();
  /** Every source read (or failed) since this process started. */
  #read = new Set<string>();

  /** Creates empty statistics. */
  constructor(options: ReadStatsOptions) {
    this.#o = options;
  }

  /**
   * Whether `source` has been read (or a read of it failed) since this
   * process started: what it shows is then a fact seen now, not one
   * restored from before.
   */
  hasRead(source: string): boolean {
    return this.#read.has(source);
  }

  /** Records one read: how long it took and whether it failed. */
  record(source: string, seconds: number, failed: boolean): void {
    this.#read.add(source);
    const index = this.#minute();
    const minutes = this.#bySource.get(source) ?? [];
    this.#bySource.set(source, minutes);
    let m = minutes.at(-1);
    if (!m || m.index !== index) {
      m = { index, latencies: [], seen: 0, errors: 0 };
      minutes.push(m);
      this.#trim(minutes, index);
    }
    const ms = seconds * 1000;
    m.seen++;
    const cap = this.#o.samplesPerMinute ?? 120;
    // Reservoir sampling: every read of the minute has the same chance.
    if (m.latencies.length < cap) m.latencies.push(ms);
    else {
      const j = Math.floor(this.#o.random() * m.seen);
      if (j < cap) m.latencies[j] = ms;
    }
    if (failed) m.errors++;
  }

  /** A source's last hour, or undefined when it was never read. */
  summary(source: string): ReadSummary | undefined {
    const minutes = this.#bySource.get(source);
    if (!minutes) return undefined;
    const now = this.#minute();
    this.#trim(minutes, now);
    const span = this.#o.minutes ?? 60;
    const all = minutes.flatMap((m) => m.latencies).sort((a, b) => a - b);
    const at = (q: number) =>
      all.length
        ? round(all[Math.min(all.length - 1, Math.floor(q * all.length))]!)
        : 0;
    const latencyMs: number[] = [];
    const errorsPerMinute: number[] = [];
    for (let i = now - span + 1; i <= now; i++) {
      const m = minutes.find((x) => x.index === i);
      const sorted = m ? [...m.latencies].sort((a, b) => a - b) : [];
      latencyMs.push(
        sorted.length ? round(sorted[Math.floor(sorted.length / 2)]!) : 0,
      );
      errorsPerMinute.push(m?.errors ?? 0);
    }
    return {
      reads: minutes.reduce((n, m) => n + m.seen, 0),
      errors: minutes.reduce((n, m) => n + m.errors, 0),
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      p99Ms: at(0.99),
      latencyMs,
      errorsPerMinute,
    };
  }

  #minute(): number {
    return Math.floor(this.#o.clock.monotonic() / 60_000);
  }

  #trim(minutes: Minute[], now: number): void {
    const first = now - (this.#o.minutes ?? 60) + 1;
    while (minutes.length && minutes[0]!.index < first) minutes.shift();
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
