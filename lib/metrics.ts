/**
 * A small, exact Prometheus text exposition (format 0.0.4): counters,
 * gauges and histograms with labels, plus collected series read at scrape
 * time (connection counts, breaker states, cache tier stats), so hot paths
 * only ever increment a number.
 *
 * @module
 */

/** Label names to values. */
export type Labels = Readonly<Record<string, string>>;

type Kind = "counter" | "gauge" | "histogram";

interface Family {
  name: string;
  help: string;
  kind: Kind;
  series: Map<string, { labels: Labels; value: number }>;
  buckets?: number[];
  hist?: Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >;
  collect?: () => Iterable<[Labels, number]>;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A counter: only goes up. */
export interface Counter {
  /** Adds `by` (default 1) to the series with `labels`. */
  inc(labels?: Labels, by?: number): void;
  /** The series for `labels`, bound once, for hot paths. */
  series(labels: Labels): { inc(by?: number): void };
}

/** A histogram of observations. */
export interface Histogram {
  /** Records one observation. */
  observe(value: number, labels?: Labels): void;
}

/**
 * The registry.
 *
 * @example Count and render
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics } from "@/lib/metrics.ts";
 * const metrics = new Metrics();
 * const sent = metrics.counter("pulse_messages_sent_total", "Messages written to clients.");
 * sent.inc({ transport: "ws" }, 2);
 * assert.match(metrics.render(), /pulse_messages_sent_total\{transport="ws"\} 2/);
 * ```
 */
export class Metrics {
  #families = new Map<string, Family>();

  /** Registers a counter. */
  counter(name: string, help: string): Counter {
    const family = this.#register(name, help, "counter");
    const bind = (labels: Labels) => {
      const key = labelKey(labels);
      let s = family.series.get(key);
      if (!s) family.series.set(key, s = { labels, value: 0 });
      return s;
    };
    return {
      inc(labels: Labels = {}, by = 1) {
        bind(labels).value += by;
      },
      series(labels: Labels) {
        const s = bind(labels);
        return {
          inc(by = 1) {
            s.value += by;
          },
        };
      },
    };
  }

  /** Registers a series family whose values are read at scrape time. */
  collected(
    name: string,
    help: string,
    kind: "counter" | "gauge",
    collect: () => Iterable<[Labels, number]>,
  ): void {
    this.#register(name, help, kind).collect = collect;
  }

  /** Registers a histogram with upper bounds `buckets` (seconds, ascending). */
  histogram(name: string, help: string, buckets: number[]): Histogram {
    const family = this.#register(name, help, "histogram");
    family.buckets = [...buckets].sort((a, b) => a - b);
    family.hist = new Map();
    return {
      observe(value: number, labels: Labels = {}) {
        const key = labelKey(labels);
        let h = family.hist!.get(key);
        if (!h) {
          family.hist!.set(
            key,
            h = {
              labels,
              counts: family.buckets!.map(() => 0),
              sum: 0,
              count: 0,
            },
          );
        }
        for (let i = 0; i < family.buckets!.length; i++) {
          if (value <= family.buckets![i]!) h.counts[i]!++;
        }
        h.sum += value;
        h.count++;
      },
    };
  }

  /** The exposition text. */
  render(): string {
    const lines: string[] = [];
    for (const f of this.#families.values()) {
      lines.push(
        `# HELP ${f.name} ${
          f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
        }`,
      );
      lines.push(`# TYPE ${f.name} ${f.kind}`);
      if (f.kind === "histogram") {
        for (const h of f.hist!.values()) {
          f.buckets!.forEach((le, i) =>
            lines.push(
              `${f.name}_bucket${fmt({ ...h.labels, le: String(le) })} ${
                h.counts[i]
              }`,
            )
          );
          lines.push(
            `${f.name}_bucket${fmt({ ...h.labels, le: "+Inf" })} ${h.count}`,
          );
          lines.push(`${f.name}_sum${fmt(h.labels)} ${h.sum}`);
          lines.push(`${f.name}_count${fmt(h.labels)} ${h.count}`);
        }
        continue;
      }
      const series = f.collect
        ? [...f.collect()].map(([labels, value]) => ({ labels, value }))
        : f.series.values();
      for (const s of series) {
        lines.push(`${f.name}${fmt(s.labels)} ${s.value}`);
      }
    }
    return lines.join("\n") + "\n";
  }

  #register(name: string, help: string, kind: Kind): Family {
    if (!NAME_RE.test(name)) {
      throw new RangeError(
        `Cannot register metric: ${
          JSON.stringify(name)
        } is not a valid Prometheus name`,
      );
    }
    if (this.#families.has(name)) {
      throw new RangeError(
        `Cannot register metric: ${name} is already registered`,
      );
    }
    const family: Family = { name, help, kind, series: new Map() };
    this.#families.set(name, family);
    return family;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(
    "\u0000",
  );
}

function fmt(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${
    entries.map(([k, v]) =>
      `${k}="${
        v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
      }"`
    ).join(",")
  }}`;
}
