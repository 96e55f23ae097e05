/**
 * The net P&L chart inside the LiveBoard island: the chosen reporting
 * period's net from `/api/history?period=` drawn with uPlot, live points
 * appended as the board's state changes. The x-axis runs from the
 * period's first instant up to now, never past it (the last hour, sliding,
 * from a server without periods); the line is stepped (a figure
 * holds until it changes) with gaps where the server recorded nothing;
 * hovering or focusing shows the time and the value; the axis speaks the
 * board's currency in the page's colours (dark mode too); and a sentence
 * summarises the period for screen readers.
 *
 * Over 300 lines, kept whole: the uPlot instance, its history load, the
 * live points and the redraw pacing share one plot and one window; the
 * data work is already apart in `chart_series.ts`.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { formatMoney } from "@/lib/money.ts";
import {
  addLivePoint,
  axisLabels,
  describe,
  gapAfterMs,
  type HistoryPoint,
  PARTS,
  previousColumn,
  type Series,
  timeLabel,
  toSeries,
  type Values,
  withAlpha,
} from "./chart_series.ts";
import { PERIOD_WORDS, type PeriodId } from "@/lib/protocol/mod.ts";

/** Props of {@linkcode PnlChart}. */
export interface PnlChartProps {
  /** The reporting period drawn. */
  period: string;
  /** Where it begins, ISO (absent: the last hour, sliding). */
  from?: string;
  /** Where it ends, ISO. */
  to?: string;
  /** The latest net P&L, minor units. */
  netMinor: number;
  /** The latest revenue, expenses and trading totals, minor units. */
  totals?: {
    revenueMinor: number;
    expensesMinor: number;
    tradingMinor: number;
  };
  /** When that figure was true, ISO-8601. */
  asOf?: string;
  /** Minor units per major unit (100 for USD). */
  minorPerMajor: number;
  /** The board's currency, for the axis and the readout. */
  currency: string;
  /**
   * The board's time zone: the axis, its ticks and the hover read in it,
   * whatever the viewer's own zone.
   */
  zone: string;
  /**
   * Whether the series toggles are shown (not on a kiosk screen).
   * @default {true}
   */
  controls?: boolean;
}

/** The window of a server without periods: the last hour, sliding. */
const FALLBACK_SPAN_MS = 3_600_000;

/** The shortest time between two redraws for live points, ms. */
const MIN_DRAW_GAP_MS = 1000;

/** The chart; renders an empty frame on the server, draws in the browser. */
export function PnlChart(
  {
    period,
    from: periodFrom,
    to: periodTo,
    netMinor,
    totals,
    asOf,
    minorPerMajor,
    currency,
    zone,
    controls = true,
  }: PnlChartProps,
): preact.JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useRef<Series>([[], [], [], [], []]);
  /** The previous period's net, row for row with data (null past it). */
  const previous = useRef<Values>([]);
  const [shown, setShown] = useState<boolean[]>([false, false, false]);
  const [error, setError] = useState<string | undefined>();
  const [summary, setSummary] = useState("");
  const lastDrawAt = useRef(-Infinity);
  const pendingDraw = useRef<ReturnType<typeof setTimeout> | undefined>(
    undefined,
  );
  const fixed = periodFrom !== undefined && periodTo !== undefined;
  const span = fixed
    ? Date.parse(periodTo!) - Date.parse(periodFrom!)
    : FALLBACK_SPAN_MS;
  /**
   * The window now: the period up to now (nothing is drawn past now, so
   * hovering never reads a future), or the last hour.
   */
  const windowNow = () => {
    if (fixed) {
      const from = Date.parse(periodFrom!) / 1000;
      const end = Date.parse(periodTo!) / 1000;
      // A minute at least, so the first seconds of a period have a width.
      return {
        from,
        to: Math.min(end, Math.max(Date.now() / 1000, from + 60)),
      };
    }
    const to = Date.now() / 1000;
    return { from: to - span / 1000, to };
  };
  const money = (major: number) =>
    formatMoney(Math.round(major * minorPerMajor), currency, { signed: true });

  /** Slides the window to end now, drops points that left it, redraws. */
  /** Moves the window to now and redraws; the summary waits for slide(). */
  const draw = () => {
    const p = plot.current;
    const el = host.current;
    if (!p || !el) return;
    lastDrawAt.current = performance.now();
    const { from, to } = windowNow();
    const series = data.current;
    const [xs, ys] = series;
    // Keep one point before the window: the step it holds enters the window.
    let drop = 0;
    while (drop + 1 < xs.length && xs[drop + 1]! < from) drop++;
    if (drop > 0) { for (const column of series) column.splice(0, drop); }
    const prev = previous.current;
    if (drop > 0) prev.splice(0, drop);
    // Live points have no comparison: the dotted line stops where it ends.
    while (prev.length < xs.length) prev.push(null);
    p.setData([...series, prev], false);
    p.setScale("x", { min: from, max: to });
    el.dataset.from = new Date(from * 1000).toISOString();
    el.dataset.to = new Date(to * 1000).toISOString();
    if (fixed) el.dataset.end = periodTo!;
    el.dataset.points = String(xs.length);
    el.dataset.gaps = String(ys.filter((y) => y === null).length);
  };

  /** Redraws and refreshes the screen readers' summary. */
  const slide = () => {
    draw();
    const [xs, ys] = data.current;
    const { from } = windowNow();
    setSummary(describe(xs, ys, from, money));
  };

  /**
   * A redraw for live points: at once when the last one is at least
   * MIN_DRAW_GAP_MS old, else by the next delta after that (a canvas
   * redraw per delta was the board's largest cost at 10 updates a second,
   * for steps a pixel apart). Called in a layout effect, so the redraw
   * lands in the same frame as the figures, not a frame of its own; a
   * timer draws the last point only when no delta comes to do it.
   */
  const scheduleDraw = () => {
    const wait = lastDrawAt.current + MIN_DRAW_GAP_MS - performance.now();
    if (wait <= 0) {
      clearTimeout(pendingDraw.current);
      pendingDraw.current = undefined;
      return draw();
    }
    if (pendingDraw.current !== undefined) return;
    pendingDraw.current = setTimeout(() => {
      pendingDraw.current = undefined;
      draw();
    }, wait + MIN_DRAW_GAP_MS);
  };
  useEffect(() => () => clearTimeout(pendingDraw.current), []);

  // Load the window's history, then (re)draw.
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      const [{ default: UPlot }] = await Promise.all([import("uplot")]);
      const from = new Date(windowNow().from * 1000).toISOString();
      const res = await fetch(
        `/api/history?topic=pnl&period=${period}&from=${from}&limit=600`,
        { signal: abort.signal },
      );
      if (!res.ok) throw new Error(`history answered ${res.status}`);
      const body = await res.json() as {
        previous: HistoryPoint | null;
        points: HistoryPoint[];
      };
      // The value the window starts with, even when nothing changed in it.
      const points = body.previous
        ? [body.previous, ...body.points]
        : body.points;
      data.current = toSeries(points, minorPerMajor, gapAfterMs(span));
      previous.current = previousColumn(
        points,
        minorPerMajor,
        gapAfterMs(span),
      );
      const compared = previous.current.some((v) => v !== null);
      plot.current?.destroy();
      const el = host.current!;
      // Canvas text does not follow CSS: hand it the page's own colours.
      const style = getComputedStyle(el);
      const ink = style.color;
      const line = style.getPropertyValue("--pos").trim() || "#2e9e5b";
      // On a wall screen the axes' text grows with the screen (canvas
      // text is sized in pixels, not by CSS).
      const px = el.dataset.fill === "true"
        ? Math.max(12, Math.round(innerHeight * 0.014))
        : 12;
      const font = `${px}px system-ui, sans-serif`;
      plot.current = new UPlot(
        {
          width: el.clientWidth || 600,
          height: heightOf(el),
          legend: { show: true, live: true },
          cursor: { drag: { x: false, y: false }, focus: { prox: 30 } },
          scales: { x: { time: true } },
          // Ticks at the board's midnights and hours, not the viewer's.
          tzDate: (ts) => UPlot.tzDate(new Date(ts * 1000), zone),
          axes: [
            {
              stroke: ink,
              grid: { stroke: "rgba(127,127,127,0.15)" },
              ticks: { stroke: "rgba(127,127,127,0.3)" },
              font,
              size: px * 2 + 18,
              space: px * 5,
              // The board's date style, not uPlot's US "12/7".
              values: (_u, splits, _axis, _space, incr) =>
                axisLabels(splits, incr, zone),
            },
            {
              stroke: ink,
              grid: { stroke: "rgba(127,127,127,0.15)" },
              ticks: { stroke: "rgba(127,127,127,0.3)" },
              font,
              space: px * 3,
              // As wide as the longest label, so large figures are not cut.
              size: (_u, values) =>
                Math.max(
                  60,
                  ...(values ?? []).map((v) =>
                    String(v).length * px * 0.6 + 18
                  ),
                ),
              values: (_u, splits) => splits.map((v) => money(v)),
            },
          ],
          series: [
            {
              value: (_u, v) => typeof v === "number" ? timeLabel(v, zone) : "",
            },
            {
              label: "Net P&L",
              stroke: line,
              width: 2,
              fill: withAlpha(line, 0.1),
              // A figure holds until it changes: steps, not ramps.
              paths: UPlot.paths.stepped!({ align: 1 }),
              value: (_u, v) => typeof v === "number" ? money(v) : "",
            },
            ...PARTS.map((part, i) => ({
              label: part.label,
              stroke: part.color,
              width: 1.5,
              show: shown[i],
              paths: UPlot.paths.stepped!({ align: 1 }),
              value: (_u: uPlot, v: number | null) =>
                typeof v === "number" ? money(v) : "",
            })),
            // The previous period to the same point, dotted; the readout
            // says the difference.
            {
              label: comparisonLabel(period),
              stroke: withAlpha(line, 0.6),
              width: 1.5,
              dash: [5, 4],
              show: compared,
              paths: UPlot.paths.stepped!({ align: 1 }),
              value: (
                u: uPlot,
                v: number | null,
                _s: number,
                i: number | null,
              ) => {
                const now = i === null ? undefined : u.data[1]?.[i];
                return typeof v !== "number"
                  ? ""
                  : typeof now === "number"
                  ? `${money(v)} (${money(now - v)} now)`
                  : money(v);
              },
            },
          ],
        },
        [...data.current, previous.current],
        el,
      );
      // The legend is a hover readout drawn as a table with empty cells:
      // screen readers get the summary sentence instead.
      plot.current.root.querySelector(".u-legend")?.setAttribute(
        "aria-hidden",
        "true",
      );
      slide();
      setError(undefined);
    })().catch((e) => {
      if (!abort.signal.aborted) {
        setError(`Chart unavailable: ${e instanceof Error ? e.message : e}`);
      }
    });
    return () => abort.abort();
  }, [period, periodFrom]);

  // Append live points.
  useLayoutEffect(() => {
    if (!plot.current) return;
    const t = (asOf ? Date.parse(asOf) : Date.now()) / 1000;
    // One point per pixel column at most: the series stays as long as
    // the chart is wide, however long the screen runs.
    const width = plot.current.width || 600;
    addLivePoint(
      data.current,
      t,
      [
        netMinor / minorPerMajor,
        ...PARTS.map(({ key }) => (totals?.[key] ?? 0) / minorPerMajor),
      ] as [number, number, number, number],
      span / 1000 / width,
    );
    scheduleDraw();
  }, [netMinor, asOf]);

  /** Shows or hides one of the parts beside the net line. */
  const toggle = (i: number) => {
    const next = shown.map((s, j) => j === i ? !s : s);
    setShown(next);
    plot.current?.setSeries(i + 2, { show: next[i]! });
  };

  // The window slides (or the summary follows) even when nothing changes.
  useEffect(() => {
    const id = setInterval(slide, Math.max(1_000, span / 600));
    return () => clearInterval(id);
  }, [period, periodFrom]);

  // Follow the container's width.
  useEffect(() => {
    const el = host.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() =>
      plot.current?.setSize({ width: el.clientWidth, height: heightOf(el) })
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  return (
    <section class="chart" aria-label="Net P&L over time">
      <div class="chart-head">
        <h2>Net P&amp;L over the period</h2>
      </div>
      {controls && (
        <div class="parts" role="group" aria-label="Also draw">
          {PARTS.map((part, i) => (
            <button
              key={part.key}
              type="button"
              class={shown[i] ? "part active" : "part"}
              aria-pressed={shown[i] ? "true" : "false"}
              data-part={part.key}
              onClick={() => toggle(i)}
            >
              {part.label}
            </button>
          ))}
        </div>
      )}
      <div
        ref={host}
        class="chart-canvas"
        data-testid="chart"
        data-fill={controls ? undefined : "true"}
      />
      <p class="visually-hidden" data-testid="chart-summary">{summary}</p>
      {error && <p class="chart-error">{error}</p>}
    </section>
  );
}

/** The dotted line's name: "Yesterday at this time", "Last month at this point". */
function comparisonLabel(period: string): string {
  const words = PERIOD_WORDS[period as PeriodId]?.previous ?? "previous period";
  return words[0]!.toUpperCase() + words.slice(1);
}

/**
 * The plot's height: 220 px, or on a wall screen (where CSS gives the
 * canvas's box the rest of the screen) as tall as that box.
 */
function heightOf(el: HTMLElement): number {
  return el.dataset.fill === "true" ? Math.max(120, el.clientHeight) : 220;
}
