/**
 * The run-rate line under the net figure for a month, quarter or year:
 * "Projection: on pace for +$X net by 31 Dec, following last year's
 * shape", from `/api/projection`, refreshed at most once a minute while
 * the figure moves. Labelled as a projection; silent where the server
 * cannot make one.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { formatMoney } from "@/lib/money.ts";
import { dateTimeFormat } from "@/lib/intl_formats.ts";
import { PERIOD_WORDS } from "@/lib/protocol/mod.ts";
import type { PeriodId } from "./period_view.ts";

const REFRESH_MS = 60_000;
const PROJECTED: readonly PeriodId[] = ["mtd", "qtd", "ytd"];

type Method = "previous_shape" | "pace";
interface Answer {
  end: string;
  netMinor: number;
  revenue: { method: Method };
  expenses: { method: Method };
  trading: { method: Method };
}

/** Props of {@linkcode Projection}. */
export interface ProjectionProps {
  /** The period shown. */
  period: PeriodId;
  /** The net figure now: the projection follows it. */
  netMinor: number;
  /** The board's currency. */
  currency: string;
  /** The board's zone (the end date is said in it). */
  zone: string;
}

/** The projection line, or nothing. */
export function Projection(props: ProjectionProps): preact.JSX.Element | null {
  const { period, currency, zone } = props;
  const [answer, setAnswer] = useState<Answer | undefined>();
  const last = useRef(0);
  const projected = PROJECTED.includes(period);
  const load = (signal: AbortSignal) =>
    fetch(`/api/projection?topic=pnl&period=${period}`, { signal })
      .then(async (res) => {
        last.current = Date.now();
        setAnswer(res.ok ? await res.json() as Answer : undefined);
      })
      .catch(() => {
        if (!signal.aborted) setAnswer(undefined);
      });
  useEffect(() => {
    setAnswer(undefined);
    if (!projected) return;
    const abort = new AbortController();
    load(abort.signal);
    return () => abort.abort();
  }, [period]);
  useEffect(() => {
    if (!projected || last.current === 0) return;
    const abort = new AbortController();
    const timer = setTimeout(
      () => load(abort.signal),
      Math.max(0, last.current + REFRESH_MS - Date.now()),
    );
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [props.netMinor]);
  if (!projected || !answer) return null;
  const methods = [answer.revenue, answer.expenses, answer.trading].map((f) =>
    f.method
  );
  const previous = PERIOD_WORDS[period].previous.replace(/ at this point$/, "");
  const basis = methods.every((m) => m === "previous_shape")
    ? `following ${previous}'s shape`
    : methods.every((m) => m === "pace")
    ? `at ${PERIOD_WORDS[period].current}'s pace so far`
    : `from ${PERIOD_WORDS[period].current} so far and ${previous}'s shape`;
  const lastDay = dateTimeFormat("en-GB", {
    timeZone: zone,
    day: "numeric",
    month: "short",
  }).format(Date.parse(answer.end) - 1);
  return (
    <p class="projection" data-testid="projection">
      <span class="projection-tag">Projection</span> on pace for{" "}
      <span data-testid="projection-net">
        {formatMoney(answer.netMinor, currency, { signed: true })}
      </span>{" "}
      net by {lastDay}, {basis}
    </p>
  );
}
