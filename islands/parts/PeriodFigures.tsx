/**
 * The headline of the board for one reporting period: the period switcher
 * (Today, Week, Month, Quarter, Year; remembered in the URL), the net
 * figure and the three totals, each labelled with its period and zone and
 * compared with the previous period to the same point, and notes on flows
 * counted whole or only in part.
 */
import { formatMoney } from "@/lib/money.ts";
import type { MissingFigure } from "./pnl_view.ts";
import { totalOfRole } from "./pnl_view.ts";
import {
  changeTone,
  changeWords,
  type PeriodId,
  PERIODS,
  periodTitle,
  type PeriodView,
} from "./period_view.ts";
import { clockTime } from "./time_words.ts";
import type { Flash } from "./hooks.ts";
import { useState } from "preact/hooks";
import { Transactions } from "./Transactions.tsx";
import { Projection } from "./Projection.tsx";

/** The figures whose transactions can be listed, with their names. */
const LISTED = [
  ["net", "Net P&L"],
  ["revenue", "Revenue"],
  ["expenses", "Expenses"],
  ["trading", "Trading P&L"],
] as const;
type Listed = (typeof LISTED)[number][0];

/** Props of {@linkcode PeriodFigures}. */
export interface PeriodFiguresProps {
  /** The chosen period. */
  period: PeriodId;
  /** Its figures. */
  view: PeriodView;
  /** The board's currency. */
  currency: string;
  /** The zone periods are counted in (said beside them). */
  zone: string;
  /** The time now, epoch ms. */
  now: number;
  /** Sources with no figure (their totals are incomplete). */
  missing: readonly MissingFigure[];
  /** A source's name for the notes. */
  nameOf: (id: string) => string;
  /** The highlight on the net figure (`up`, `down` or none). */
  flash: Flash;
  /** Whether the switcher is shown (not on a kiosk screen). */
  controls: boolean;
  /** Called with the period chosen. */
  onPeriod: (period: PeriodId) => void;
}

/** The period switcher, the net figure and the totals. */
export function PeriodFigures(props: PeriodFiguresProps): preact.JSX.Element {
  const { period, view, currency, zone, now, missing } = props;
  const money = (minor: number, signed = false) =>
    formatMoney(minor, currency, { signed });
  const lacking = new Set(missing.map((m) => totalOfRole(m.role)));
  const since = view.from
    ? `since ${clockTime(view.from, now, zone)}, ${zone}`
    : "";
  const net = money(view.netMinor, true);
  const [listed, setListed] = useState<Listed | undefined>();
  const amountOf = (figure: Listed) =>
    figure === "net" ? view.netMinor : view[`${figure}Minor`];
  return (
    <>
      {props.controls && (
        <div class="periods" role="group" aria-label="Period">
          {PERIODS.map((p) => (
            <button
              key={p.id}
              type="button"
              class={p.id === period ? "range period active" : "range period"}
              aria-pressed={p.id === period ? "true" : "false"}
              data-period={p.id}
              onClick={() => props.onPeriod(p.id)}
            >
              {p.label}
            </button>
          ))}
        </div>
      )}
      <section
        class={`net${missing.length > 0 ? " incomplete" : ""}`}
        aria-label="Net P&L"
      >
        <h2>
          Net P&amp;L ·{" "}
          <span data-testid="period-title">{periodTitle(period)}</span>
          {missing.length > 0 && (
            <>
              {" "}
              <span class="incomplete-tag">incomplete</span>
            </>
          )}
        </h2>
        <p
          class={`net-value ${view.netMinor < 0 ? "neg" : "pos"}${
            fitClass(net)
          }${props.flash ? ` flash-${props.flash}` : ""}`}
          data-testid="net"
          data-incomplete={missing.length > 0 ? "true" : undefined}
        >
          {net}
        </p>
        <p class="net-context" data-testid="net-context">
          {since}
          {since && view.previous ? " · " : ""}
          <span
            class={`change-${
              changeTone(view.netMinor, view.previous?.netMinor, true)
            }`}
          >
            {changeWords(
              view.netMinor,
              view.previous?.netMinor,
              period,
              (minor) => money(minor, true),
            )}
          </span>
        </p>
        <Projection
          period={period}
          netMinor={view.netMinor}
          currency={currency}
          zone={zone}
        />
        {view.unattributed.length > 0 && (
          <p class="period-note" data-testid="unattributed">
            Counted whole in every period (their figures cannot be split by
            period): {view.unattributed.map(props.nameOf).join(", ")}.
          </p>
        )}
        {view.partial.length > 0 && (
          <p class="period-note" data-testid="partial">
            Counted in part (their figures begin later than this period or its
            comparison): {view.partial.map(props.nameOf).join(", ")}.
          </p>
        )}
      </section>
      <section class="totals" aria-label="Totals">
        {(
          [
            ["Revenue", "revenue", "revenueMinor", false],
            ["Expenses", "expenses", "expensesMinor", false],
            ["Trading P&L", "trading", "tradingMinor", true],
          ] as const
        ).map(([label, id, key, signed]) => (
          <div
            key={id}
            class={`figure${lacking.has(id) ? " incomplete" : ""}`}
          >
            <h3>
              {label}
              {lacking.has(id) && (
                <>
                  {" "}
                  <span class="incomplete-tag">incomplete</span>
                </>
              )}
            </h3>
            <p
              data-testid={id}
              data-incomplete={lacking.has(id) ? "true" : undefined}
            >
              {money(view[key], signed)}
            </p>
            <p
              class={`figure-change change-${
                changeTone(view[key], view.previous?.[key], id !== "expenses")
              }`}
              data-testid={`${id}-change`}
            >
              {changeWords(
                view[key],
                view.previous?.[key],
                period,
                (minor) => money(minor, signed),
              )}
            </p>
          </div>
        ))}
      </section>
      {props.controls && (
        <div class="figure-lists" role="group" aria-label="Transactions behind">
          <span class="figure-lists-label" aria-hidden="true">
            Transactions:
          </span>
          {LISTED.map(([id, label]) => (
            <button
              key={id}
              type="button"
              class={listed === id ? "part active" : "part"}
              aria-pressed={listed === id ? "true" : "false"}
              aria-label={`Transactions behind ${label}`}
              data-list={id}
              onClick={() => setListed(listed === id ? undefined : id)}
            >
              {label}
            </button>
          ))}
        </div>
      )}
      {props.controls && listed && (
        <Transactions
          of={{ figure: listed }}
          label={LISTED.find(([id]) => id === listed)![1]}
          period={period}
          currency={currency}
          zone={zone}
          now={now}
          amountMinor={amountOf(listed)}
          nameOf={props.nameOf}
        />
      )}
    </>
  );
}

/** A size class for a long figure, so it fits the screen. */
function fitClass(text: string): string {
  const n = text.length;
  return n <= 10 ? "" : n <= 13 ? " fit-m" : n <= 17 ? " fit-l" : " fit-xl";
}
