/**
 * One source on the board: its name, role, figure, status in words and
 * age; while it fails, the error with its last success and next try. The
 * row opens (its name is a button: keyboard and pointer) to the detail
 * behind the figure, its read schedule and breaker, and a sparkline of
 * its own last 24 hours.
 */
import { useState } from "preact/hooks";
import { formatMoney } from "@/lib/money.ts";
import type { SourceState } from "@/lib/protocol/mod.ts";
import { Sparkline } from "./Sparkline.tsx";
import { Transactions } from "./Transactions.tsx";
import type { PeriodId } from "./period_view.ts";
import { memo } from "./memo.ts";
import { ago, clockTime, duration, failureTimes } from "./time_words.ts";

/** Props of {@linkcode SourceRow}. */
export interface SourceRowProps {
  /** The source's id. */
  id: string;
  /** Its state in the `pnl` topic. */
  s: SourceState;
  /**
   * Its figure in the period shown: a flow's amount in the period, a
   * stock's balance; absent before its first read. Apart from `s` so
   * that `s` stays the state's own object and an unchanged row is not
   * re-rendered.
   */
  amountMinor?: number;
  /**
   * A flow's amount today, for its sparkline (whose series is today's,
   * whatever the period shown); a stock's sparkline runs to `amountMinor`.
   */
  todayMinor?: number;
  /** The board's currency (the amount's). */
  currency: string;
  /** The time now, epoch ms. */
  now: number;
  /** The zone times are shown in. */
  zone: string;
  /**
   * The period shown: an opened flow lists its transactions in it.
   * @default {"today"}
   */
  period?: PeriodId;
  /**
   * Whether the row opens (not on a kiosk screen, which has no controls).
   * @default {true}
   */
  opens?: boolean;
}

/**
 * A source's row and, when opened, its detail; re-rendered only when its
 * own props change.
 */
export const SourceRow = memo(function SourceRow(
  {
    id,
    s: state,
    amountMinor,
    todayMinor,
    currency,
    now,
    zone,
    period = "today",
    opens = true,
  }: SourceRowProps,
): preact.JSX.Element {
  const s = amountMinor === undefined ? state : { ...state, amountMinor };
  const [open, setOpen] = useState(false);
  const name = typeof s.label === "string" ? s.label : id;
  const panel = `source-more-${id}`;
  const failing = s.status !== "ok" && typeof s.error === "string";
  const times = failing ? failureTimes(s, now, zone) : "";
  return (
    <li
      class={`source source-${s.status}${open ? " open" : ""}`}
      data-source={id}
    >
      {opens
        ? (
          <button
            type="button"
            class="source-name"
            aria-expanded={open ? "true" : "false"}
            aria-controls={panel}
            onClick={() => setOpen(!open)}
          >
            {name}
          </button>
        )
        : <span class="source-name">{name}</span>}
      <span class="source-role">
        {s.nature === "stock" ? "balance (not in the P&L)" : s.role}
      </span>
      <span class="source-amount">
        {typeof s.amountMinor === "number"
          ? formatMoney(s.amountMinor, currency, {
            signed: s.role === "trading" && s.nature !== "stock",
          })
          : "—"}
      </span>
      <span class="source-status">{statusWords(s)}</span>
      {failing && (
        <span class="source-error-text" data-testid="source-error">
          {s.error as string}
          {times ? ` (${times})` : ""}
        </span>
      )}
      <span class="source-age">
        {ago(text(s.asOf), now, zone)}
      </span>
      {open && (
        <div
          class="source-more"
          id={panel}
          role="region"
          aria-label={`${name} details`}
          data-testid="source-more"
        >
          <dl>
            <dt>Kind</dt>
            <dd>{s.kind} ({s.role}){name !== id ? `, id ${id}` : ""}</dd>
            <dt>Figure</dt>
            <dd>
              {typeof s.amountMinor === "number"
                ? `${formatMoney(s.amountMinor, currency)} as of ${
                  clockTime(text(s.asOf), now, zone)
                }`
                : "none yet"}
            </dd>
            {Object.entries(detailOf(s)).map(([key, value]) => [
              <dt key={`${key}-t`}>{words(key)}</dt>,
              <dd key={`${key}-d`} data-detail={key}>
                {detailValue(key, value, s, currency)}
              </dd>,
            ])}
            <dt>Reads</dt>
            <dd>
              {typeof s.everyMs === "number"
                ? `every ${duration(s.everyMs)}`
                : "on its schedule"}
              {typeof s.nextReadAt === "string"
                ? `; next try ${clockTime(s.nextReadAt, now, zone)}`
                : ""}
            </dd>
            <dt>Last success</dt>
            <dd>
              {failing
                ? typeof s.lastSuccessAt === "string"
                  ? clockTime(s.lastSuccessAt, now, zone)
                  : "none since the server started"
                : "the latest read succeeded"}
            </dd>
            <dt>Last error</dt>
            <dd>
              {failing
                ? `${s.error as string}${
                  typeof s.failingSince === "string"
                    ? `, failing since ${clockTime(s.failingSince, now, zone)}`
                    : ""
                }`
                : "none"}
            </dd>
            <dt>Circuit breaker</dt>
            <dd>
              {s.status === "open"
                ? "open: reads paused after repeated failures"
                : "closed: reads go through"}
            </dd>
          </dl>
          <Sparkline
            source={id}
            amountMinor={s.nature === "stock"
              ? typeof s.amountMinor === "number" ? s.amountMinor : undefined
              : todayMinor}
            currency={currency}
          />
          {s.nature !== "stock" && (
            <Transactions
              of={{ source: id }}
              label={name}
              period={period}
              currency={currency}
              zone={zone}
              now={now}
              amountMinor={amountMinor}
            />
          )}
        </div>
      )}
    </li>
  );
});

/** A source's status in words: "ok", "stale, kept from the cache", "paused". */
function statusWords(s: SourceState): string {
  const where = s.origin === "live"
    ? ""
    : s.origin === "L3" || s.origin === "L4"
    ? ", the last figure saved"
    : ", from the shared cache";
  switch (s.status) {
    case "ok":
      return `ok${where}`;
    case "stale":
      return `stale${where || ", the last figure read"}`;
    case "open":
      return `paused after repeated failures${where}`;
    case "syncing": {
      const sync = s.sync as
        | { pages?: number; items?: number; estimatedPages?: number }
        | undefined;
      const items = (sync?.items ?? 0).toLocaleString("en-US");
      const pages = sync?.pages ?? 0;
      return sync?.estimatedPages
        ? `syncing: ${items} items, page ${pages} of about ${sync.estimatedPages}`
        : `syncing: ${items} items in ${pages} pages so far`;
    }
    default:
      return "no figure";
  }
}

function detailOf(s: SourceState): Record<string, unknown> {
  const d = s.detail;
  return typeof d === "object" && d !== null && !Array.isArray(d)
    ? d as Record<string, unknown>
    : {};
}

/** `monthToDateMinor` -> "Month to date". */
function words(key: string): string {
  const bare = key.replace(/Minor$/, "");
  const spaced = bare.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** Money for `...Minor` fields (in the source's own currency), else as is. */
function detailValue(
  key: string,
  value: unknown,
  s: SourceState,
  currency: string,
): string {
  const d = detailOf(s);
  if (key.endsWith("Minor") && Number.isSafeInteger(value)) {
    const own = typeof d.originalCurrency === "string"
      ? d.originalCurrency
      : currency;
    return formatMoney(value as number, own);
  }
  return typeof value === "number"
    ? value.toLocaleString("en-US")
    : String(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
