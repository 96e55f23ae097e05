/**
 * The chart's data work, apart from its drawing: history points as uPlot
 * columns with gaps where nothing was recorded, colours for the canvas,
 * the readout's time, and the sentence for screen readers.
 */
import { dateTimeFormat } from "@/lib/intl_formats.ts";

/** The parts of the net figure that can be drawn beside it. */
export const PARTS = [
  { key: "revenueMinor", label: "Revenue", color: "#3b82f6" },
  { key: "expensesMinor", label: "Expenses", color: "#f59e0b" },
  { key: "tradingMinor", label: "Trading", color: "#a855f7" },
] as const;

/** One series' values; `null` is a gap. */
export type Values = (number | null)[];
/** uPlot's columns: times (s), net, revenue, expenses, trading (major units). */
export type Series = [number[], Values, Values, Values, Values];

/** One point of `/api/history`. */
export type HistoryPoint = {
  at: string;
  netMinor: number;
  revenueMinor: number;
  expensesMinor: number;
  tradingMinor: number;
  /** The previous period's net as far into it (ledger-drawn charts). */
  previousNetMinor?: number;
};

/**
 * The previous period's net beside {@linkcode toSeries}'s columns, row for
 * row (a gap row is null there too); all null when the answer has none.
 */
export function previousColumn(
  points: readonly HistoryPoint[],
  minorPerMajor: number,
  gapMs: number,
): Values {
  const column: Values = [];
  let last: number | undefined;
  for (const p of points) {
    const at = Date.parse(p.at);
    if (last !== undefined && at - last > gapMs) column.push(null);
    last = at;
    column.push(
      p.previousNetMinor === undefined
        ? null
        : p.previousNetMinor / minorPerMajor,
    );
  }
  return column;
}

/**
 * The server writes a point at least once a minute while it runs, and a
 * downsampled answer has a point per bucket (600 points: 200 buckets): a
 * longer silence than a few of either is time with no data (the server
 * was down), drawn as a gap instead of a line held across it.
 */
export function gapAfterMs(spanMs: number): number {
  return Math.max(180_000, 3 * spanMs / 200);
}

/**
 * History points as uPlot columns (seconds; major units), with a gap (a
 * null point) wherever two points are further apart than `gapMs`.
 */
export function toSeries(
  points: readonly HistoryPoint[],
  minorPerMajor: number,
  gapMs: number,
): Series {
  const series: Series = [[], [], [], [], []];
  let last: number | undefined;
  for (const p of points) {
    const at = Date.parse(p.at);
    if (last !== undefined && at - last > gapMs) {
      series[0].push((last + gapMs / 2) / 1000);
      for (let i = 1; i < 5; i++) series[i as 1]!.push(null);
    }
    last = at;
    series[0].push(at / 1000);
    series[1].push(p.netMinor / minorPerMajor);
    PARTS.forEach(({ key }, i) =>
      series[(i + 2) as 2]!.push(p[key] / minorPerMajor)
    );
  }
  return series;
}

/**
 * Adds a live point at `t` (seconds) with `values` (net, revenue,
 * expenses, trading; major units). A point closer than `minGapSeconds` to
 * the last one (or not after it) replaces the last one's values instead:
 * a chart `minGapSeconds` per pixel cannot show both, and appending every
 * delta grew the series (and each redraw's cost) all day on a wall
 * screen. The window's first point and a gap are never overwritten.
 *
 * @returns Whether a point was appended (else the last was updated).
 */
export function addLivePoint(
  series: Series,
  t: number,
  values: readonly [number, number, number, number],
  minGapSeconds: number,
): boolean {
  const xs = series[0];
  const last = xs.length - 1;
  const replaceable = last >= 1 && series[1][last] !== null;
  if (replaceable && t - xs[last]! < minGapSeconds) {
    for (let i = 0; i < 4; i++) series[(i + 1) as 1][last] = values[i]!;
    return false;
  }
  if (last >= 0 && t <= xs[last]!) return false;
  xs.push(t);
  for (let i = 0; i < 4; i++) series[(i + 1) as 1].push(values[i]!);
  return true;
}

/** `#rrggbb` at `alpha` as `rgba()` (canvas has no `color-mix`). */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return `rgba(46,158,91,${alpha})`;
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16));
  return `rgba(${r},${g},${b},${alpha})`;
}

/**
 * A point's date and time in the board's zone, in the board's one date
 * style ("7 Dec 2026, 14:05"), for the readout.
 */
export function timeLabel(seconds: number, zone?: string): string {
  return dateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    ...(zone ? { timeZone: zone } : {}),
  }).format(seconds * 1000);
}

/**
 * The time axis's labels in the board's zone and date style: clock times
 * ("14:00") when ticks are under a day apart, with the date at a
 * midnight; dates ("7 Dec") when they are days apart; months ("Dec",
 * "Jan 2027" at a new year) when they are a month or more apart.
 *
 * @param splits The ticks, epoch seconds.
 * @param incrSeconds How far apart they are.
 * @param zone The board's zone.
 */
export function axisLabels(
  splits: readonly number[],
  incrSeconds: number,
  zone: string,
): string[] {
  const part = (ms: number, options: Intl.DateTimeFormatOptions) =>
    dateTimeFormat("en-GB", { timeZone: zone, ...options }).format(ms);
  return splits.map((s) => {
    const ms = s * 1000;
    const time = part(ms, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    if (incrSeconds < 86_400 && time !== "00:00") return time;
    if (incrSeconds < 28 * 86_400) {
      return part(ms, { day: "numeric", month: "short" });
    }
    const month = part(ms, { month: "short" });
    return month === "Jan"
      ? `${month} ${part(ms, { year: "numeric" })}`
      : month;
  });
}

/** One sentence over the window: first and last value, low and high. */
export function describe(
  xs: readonly number[],
  ys: Readonly<Values>,
  from: number,
  money: (major: number) => string,
): string {
  const inWindow = ys.filter((y, i): y is number =>
    xs[i]! >= from && typeof y === "number"
  );
  if (inWindow.length === 0) return "No net P&L recorded in this window.";
  const first = inWindow[0]!;
  const last = inWindow[inWindow.length - 1]!;
  return `Net P&L in this window: from ${money(first)} to ${money(last)}, ` +
    `low ${money(Math.min(...inWindow))}, high ${
      money(Math.max(...inWindow))
    }.`;
}
