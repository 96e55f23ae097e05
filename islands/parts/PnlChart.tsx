/**
 * The net P&L chart inside the LiveBoard island: history from
 * `/api/history` for the chosen range (1 h, 24 h, 7 d) drawn with uPlot,
 * and live points appended as the board's state changes.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";

/** Props of {@linkcode PnlChart}. */
export interface PnlChartProps {
  /** The latest net P&L, minor units. */
  netMinor: number;
  /** When that figure was true, ISO-8601. */
  asOf?: string;
  /** Minor units per major unit (100 for USD). */
  minorPerMajor: number;
}

const RANGES = [
  { id: "1h", label: "1 h", ms: 3_600_000 },
  { id: "24h", label: "24 h", ms: 86_400_000 },
  { id: "7d", label: "7 d", ms: 7 * 86_400_000 },
] as const;

type RangeId = (typeof RANGES)[number]["id"];

/** The chart; renders an empty frame on the server, draws in the browser. */
export function PnlChart(
  { netMinor, asOf, minorPerMajor }: PnlChartProps,
): preact.JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useRef<[number[], number[]]>([[], []]);
  const [range, setRange] = useState<RangeId>("1h");
  const [error, setError] = useState<string | undefined>();

  // Load the range's history, then (re)draw.
  useEffect(() => {
    const abort = new AbortController();
    const span = RANGES.find((r) => r.id === range)!.ms;
    (async () => {
      const [{ default: UPlot }] = await Promise.all([import("uplot")]);
      const from = new Date(Date.now() - span).toISOString();
      const res = await fetch(`/api/history?topic=pnl&from=${from}&limit=600`, {
        signal: abort.signal,
      });
      if (!res.ok) throw new Error(`history answered ${res.status}`);
      const body = await res.json() as {
        points: { at: string; netMinor: number }[];
      };
      data.current = [
        body.points.map((p) => Date.parse(p.at) / 1000),
        body.points.map((p) => p.netMinor / minorPerMajor),
      ];
      plot.current?.destroy();
      const el = host.current!;
      plot.current = new UPlot(
        {
          width: el.clientWidth || 600,
          height: 220,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: true } },
          axes: [
            {
              stroke: "currentColor",
              grid: { stroke: "rgba(127,127,127,0.15)" },
            },
            {
              stroke: "currentColor",
              grid: { stroke: "rgba(127,127,127,0.15)" },
              size: 70,
            },
          ],
          series: [{}, {
            label: "Net P&L",
            stroke: "#2e9e5b",
            width: 2,
            fill: "rgba(46,158,91,0.08)",
          }],
        },
        data.current,
        el,
      );
      setError(undefined);
    })().catch((e) => {
      if (!abort.signal.aborted) {
        setError(`Chart unavailable: ${e instanceof Error ? e.message : e}`);
      }
    });
    return () => abort.abort();
  }, [range]);

  // Append live points.
  useEffect(() => {
    const p = plot.current;
    if (!p) return;
    const t = (asOf ? Date.parse(asOf) : Date.now()) / 1000;
    const [xs, ys] = data.current;
    if (xs.length > 0 && t <= xs[xs.length - 1]!) return;
    xs.push(t);
    ys.push(netMinor / minorPerMajor);
    p.setData([xs, ys]);
  }, [netMinor, asOf]);

  // Follow the container's width.
  useEffect(() => {
    const el = host.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() =>
      plot.current?.setSize({ width: el.clientWidth, height: 220 })
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  return (
    <section class="chart" aria-label="Net P&L over time">
      <div class="chart-head">
        <h2>Net P&amp;L over time</h2>
        <div class="ranges" role="group" aria-label="Range">
          {RANGES.map((r) => (
            <button
              key={r.id}
              type="button"
              class={r.id === range ? "range active" : "range"}
              aria-pressed={r.id === range}
              onClick={() => setRange(r.id)}
            >
              {r.label}
            </button>
          ))}
        </div>
      </div>
      <div ref={host} class="chart-canvas" data-testid="chart" />
      {error && <p class="chart-error">{error}</p>}
    </section>
  );
}
