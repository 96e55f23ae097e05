/**
 * One source's last 24 hours as a small stepped line, from its own series
 * (`/api/history?source=ID`), with a sentence giving its low and high for
 * screen readers. Fetched when a source row is opened, never before.
 */
import { useEffect, useState } from "preact/hooks";
import { formatMoney } from "@/lib/money.ts";

/** Props of {@linkcode Sparkline}. */
export interface SparklineProps {
  /** The source's id. */
  source: string;
  /** Its latest amount, minor units (the line runs to now at it). */
  amountMinor?: number;
  /** The currency of its amounts. */
  currency: string;
  /**
   * The window drawn, ms.
   * @default {86_400_000}
   */
  spanMs?: number;
}

const WIDTH = 240;
const HEIGHT = 48;

type Point = { at: number; amountMinor: number };

/** The sparkline; an empty frame until its history arrives. */
export function Sparkline(
  { source, amountMinor, currency, spanMs = 86_400_000 }: SparklineProps,
): preact.JSX.Element {
  const [points, setPoints] = useState<Point[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [to, setTo] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const now = Date.now();
    const from = now - spanMs;
    fetch(
      `/api/history?source=${encodeURIComponent(source)}&from=${
        new Date(from).toISOString()
      }&limit=150`,
      { signal: abort.signal },
    ).then(async (res) => {
      if (!res.ok) throw new Error(`history answered ${res.status}`);
      const body = await res.json() as {
        previous: { at: string; amountMinor: number } | null;
        points: { at: string; amountMinor: number }[];
      };
      const read = (p: { at: string; amountMinor: number }) => ({
        at: Date.parse(p.at),
        amountMinor: p.amountMinor,
      });
      // The value the window starts with holds from its first instant.
      const start = body.previous
        ? [{ at: from, amountMinor: body.previous.amountMinor }]
        : [];
      setPoints([...start, ...body.points.map(read)]);
      setTo(now);
    }).catch((e) => {
      if (!abort.signal.aborted) {
        setError(`No history: ${e instanceof Error ? e.message : e}`);
      }
    });
    return () => abort.abort();
  }, [source, spanMs]);

  if (error) return <p class="sparkline-note">{error}</p>;
  if (!points) return <p class="sparkline-note">Loading the last 24 h…</p>;
  const all = typeof amountMinor === "number"
    ? [...points, { at: Math.max(to, points.at(-1)?.at ?? to), amountMinor }]
    : points;
  if (all.length === 0) {
    return <p class="sparkline-note">No figure recorded in the last 24 h.</p>;
  }
  const values = all.map((p) => p.amountMinor);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const money = (minor: number) => formatMoney(minor, currency);
  const x = (at: number) => ((at - (to - spanMs)) / spanMs) * WIDTH;
  const y = (v: number) =>
    high === low
      ? HEIGHT / 2
      : HEIGHT - 2 - ((v - low) / (high - low)) * (HEIGHT - 4);
  // Stepped: a figure holds until it changes.
  let d = "";
  all.forEach((p, i) => {
    const px = Math.max(0, x(p.at)).toFixed(1);
    const py = y(p.amountMinor).toFixed(1);
    d += i === 0 ? `M${px},${py}` : `H${px}V${py}`;
  });
  d += `H${WIDTH}`;
  return (
    <figure class="sparkline" data-testid="sparkline" data-points={all.length}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width={WIDTH}
        height={HEIGHT}
        aria-hidden="true"
        focusable="false"
      >
        <path d={d} fill="none" stroke="currentColor" stroke-width="1.5" />
      </svg>
      <figcaption>
        Last 24 h: low {money(low)}, high {money(high)}
      </figcaption>
    </figure>
  );
}
