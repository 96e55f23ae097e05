/**
 * The movements behind a figure (a total, or one flow source) in the
 * period shown, newest first, from `/api/transactions`: when, what (with
 * the upstream's description and a link to the vendor's page), and how
 * much; "Show more" pages on. The first page follows the figure while it
 * is open (at most every 10 s), unless more pages were loaded.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { formatMoney } from "@/lib/money.ts";
import { PERIOD_WORDS } from "@/lib/protocol/mod.ts";
import { type PeriodId, periodTitle } from "./period_view.ts";
import { clockTime } from "./time_words.ts";

/** The most movements one page asks for. */
const PAGE = 25;
/** How often the first page follows a changing figure, ms. */
const REFRESH_MS = 10_000;

/** One movement of `/api/transactions`. */
interface Row {
  at: string;
  amountMinor: number;
  source: string;
  what: string;
  description?: string;
  url?: string;
}

interface Listing {
  totalMinor: number;
  count: number;
  missing: string[];
  transactions: Row[];
  next: string | null;
}

/** Props of {@linkcode Transactions}. */
export interface TransactionsProps {
  /** A total's movements, or one source's. */
  of: { figure: "net" | "revenue" | "expenses" | "trading" } | {
    source: string;
  };
  /** What they are behind, in words ("Revenue", a source's name). */
  label: string;
  /** The period shown. */
  period: PeriodId;
  /** The board's currency. */
  currency: string;
  /** The board's zone (times are shown in it). */
  zone: string;
  /** The time now, epoch ms. */
  now: number;
  /** The figure as the board shows it: the list follows its changes. */
  amountMinor?: number;
  /** A source's name (a total lists several). */
  nameOf?: (id: string) => string;
}

/** The list of movements behind a figure. */
export function Transactions(props: TransactionsProps): preact.JSX.Element {
  const { of, period, currency, zone, now } = props;
  const [listing, setListing] = useState<Listing | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const lastLoad = useRef(0);
  const query = new URLSearchParams({
    topic: "pnl",
    period,
    ...("figure" in of ? { figure: of.figure } : { source: of.source }),
    limit: String(PAGE),
  });
  const key = query.toString();

  const load = async (cursor?: string, signal?: AbortSignal) => {
    setLoading(true);
    try {
      const url = `/api/transactions?${key}${
        cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""
      }`;
      const res = await fetch(url, { signal });
      const body = await res.json();
      if (!res.ok) throw new Error(body?.error?.message ?? `${res.status}`);
      const page = body as Listing;
      setListing((before) =>
        cursor && before
          ? {
            ...page,
            transactions: [...before.transactions, ...page.transactions],
          }
          : page
      );
      setError(undefined);
      lastLoad.current = Date.now();
    } catch (e) {
      if (!signal?.aborted) {
        setError(
          `Transactions unavailable: ${e instanceof Error ? e.message : e}`,
        );
      }
    } finally {
      setLoading(false);
    }
  };

  // The first page, again when the period or the figure changes.
  useEffect(() => {
    setListing(undefined);
    const abort = new AbortController();
    load(undefined, abort.signal);
    return () => abort.abort();
  }, [key]);
  useEffect(() => {
    if (!listing || listing.transactions.length > PAGE) return;
    const wait = lastLoad.current + REFRESH_MS - Date.now();
    const abort = new AbortController();
    const timer = setTimeout(
      () => load(undefined, abort.signal),
      Math.max(0, wait),
    );
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [props.amountMinor]);

  const money = (minor: number) =>
    formatMoney(minor, currency, { signed: true });
  const rows = listing?.transactions ?? [];
  const several = "figure" in of;
  return (
    <section
      class="transactions"
      aria-label={`Transactions behind ${props.label}, ${periodTitle(period)}`}
      data-testid="transactions"
      aria-busy={loading ? "true" : "false"}
    >
      {listing && (
        <p class="transactions-head" data-testid="transactions-head">
          {listing.count.toLocaleString("en-US")}{" "}
          {listing.count === 1 ? "transaction" : "transactions"}{" "}
          {PERIOD_WORDS[period].current}, adding up to{" "}
          <span data-testid="transactions-total">
            {money(listing.totalMinor)}
          </span>
        </p>
      )}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col" class="num">Amount</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={`${r.at}-${i}`} data-testid="transaction">
                <td class="when">{clockTime(r.at, now, zone)}</td>
                <td class="what">
                  {several ? `${props.nameOf?.(r.source) ?? r.source}: ` : ""}
                  {r.what}
                  {r.description && (
                    <span class="description">{` · ${r.description}`}</span>
                  )}
                  {r.url && (
                    <>
                      {" "}
                      <a
                        href={r.url}
                        target="_blank"
                        rel="noopener noreferrer"
                        data-testid="transaction-link"
                      >
                        {linkWords(r.url)}
                      </a>
                    </>
                  )}
                </td>
                <td
                  class={`num ${r.amountMinor < 0 ? "neg" : "pos"}`}
                  data-amount={r.amountMinor}
                >
                  {money(r.amountMinor)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {listing && rows.length === 0 && (
        <p class="transactions-none">Nothing moved in this period yet.</p>
      )}
      {listing?.next && (
        <button
          type="button"
          class="more"
          disabled={loading}
          onClick={() => load(listing.next!)}
        >
          Show more ({rows.length.toLocaleString("en-US")} of{" "}
          {listing.count.toLocaleString("en-US")})
        </button>
      )}
      {listing && listing.missing.length > 0 && (
        <p class="period-note">
          Not listed (they keep no transactions):{" "}
          {listing.missing.map((id) => props.nameOf?.(id) ?? id).join(", ")}.
        </p>
      )}
      {error && <p class="chart-error">{error}</p>}
    </section>
  );
}

/** "View in Stripe", "View on Kalshi", else "Open". */
function linkWords(url: string): string {
  const host = new URL(url).hostname;
  if (host.endsWith("stripe.com")) return "View in Stripe";
  if (host.endsWith("kalshi.com")) return "View on Kalshi";
  return "Open";
}
