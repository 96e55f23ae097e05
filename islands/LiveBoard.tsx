/**
 * The live board at `/`: net P&L, its parts and every source, kept current
 * by `lib/client`'s StreamClient from the server-rendered snapshot on.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { TopicView, TransportName } from "@/lib/client/mod.ts";
import { currencyExponent, formatMoney } from "@/lib/money.ts";
import { PnlChart } from "./parts/PnlChart.tsx";
import { useStreamClient } from "./parts/use_stream_client.ts";
import {
  describeMissing,
  missingFigures,
  totalOfRole,
} from "./parts/pnl_view.ts";
import {
  useFlash,
  useNow,
  useThrottledAnnouncement,
  useTimeZone,
} from "./parts/hooks.ts";
import { SourceRow } from "./parts/SourceRow.tsx";
import { clockTime } from "./parts/time_words.ts";
import type { PnlSourceState, PnlState } from "@/lib/aggregate/mod.ts";

/** Props of {@linkcode LiveBoard}: the snapshot the page was rendered from. */
export interface LiveBoardProps {
  /** The topic shown. */
  topic: string;
  /**
   * The board's title (the sources file's `title`).
   * @default {"Pulseboard"}
   */
  title?: string;
  /** The epoch of the snapshot. */
  epoch: string;
  /** The seq of the snapshot. */
  seq: number;
  /** The `pnl` state. */
  data: PnlState;
  /** The server's health when the page was rendered. */
  health: { status: string; reasons: string[] };
  /** Whether connections need a ticket from `POST /api/ticket`. */
  authRequired: boolean;
  /** The server's time when it rendered the page, epoch ms. */
  renderedAt: number;
  /** A transport forced by `?transport=` (debugging), else automatic. */
  forceTransport?: TransportName;
  /**
   * A wall screen (`?kiosk`): full-bleed, the net figure scaled to the
   * screen, no controls. The client reconnects forever and the chart
   * trims old points, so it can run for days.
   */
  kiosk?: boolean;
}

/** The live P&L board. */
export default function LiveBoard(props: LiveBoardProps): preact.JSX.Element {
  const client = useStreamClient({
    topic: props.topic,
    initial: { epoch: props.epoch, seq: props.seq, data: props.data },
    authRequired: props.authRequired,
    forceTransport: props.forceTransport,
  });

  const health = useSignal(props.health);
  useEffect(() => {
    // Server health for the badge's details, refreshed every 15 s.
    const id = setInterval(() => {
      fetch("/api/health").then((r) => r.ok ? r.json() : undefined).then(
        (h) => {
          if (h) health.value = { status: h.status, reasons: h.reasons };
        },
      ).catch(() => {
        // No answer is news too: never keep saying "ok" through an outage.
        health.value = {
          status: "unreachable",
          reasons: ["the server did not answer"],
        };
      });
    }, 15_000);
    return () => clearInterval(id);
  }, []);

  const { status, transport, latencyMs, reconnects, fallbackReason } =
    client.value;
  const view = client.value.view as TopicView;
  const pnl = view.data as PnlState;
  const money = (minor: number, signed = false) =>
    formatMoney(minor, pnl.currency, { signed });
  const sources = Object.entries(pnl.sources) as [string, PnlSourceState][];
  const now = useNow(props.renderedAt);
  const zone = useTimeZone();
  const flash = useFlash(pnl.totals.netMinor);
  const missing = missingFigures(sources);
  // Not connected after having been (or given up): the figures on screen
  // are the last ones received, and the board says since when.
  const disconnected = status === "reconnecting" || status === "offline" ||
    status === "closed";
  const since = client.value.lastMessageAt;
  const lacking = new Set(missing.map((m) => totalOfRole(m.role)));
  const announcement = useThrottledAnnouncement(
    `Net P&L ${money(pnl.totals.netMinor, true)}`,
  );

  return (
    <main
      class={`board${disconnected ? " disconnected" : ""}${
        props.kiosk ? " kiosk" : ""
      }`}
      data-epoch={view.epoch}
      data-seq={String(view.seq)}
    >
      <header class="board-head">
        <h1>{props.title ?? "Pulseboard"}</h1>
        <details
          class={`badge badge-${status}`}
          data-transport={transport}
          data-status={status}
        >
          <summary>
            {transport} · {status}
            {latencyMs !== undefined &&
                status === "live"
              ? ` · ${latencyMs} ms`
              : ""}
          </summary>
          <dl class="badge-details">
            <dt>Server</dt>
            <dd data-testid="server-health">
              {health.value.status}
              {health.value.reasons.length > 0
                ? `: ${health.value.reasons.join("; ")}`
                : ""}
            </dd>
            <dt>Reconnects</dt>
            <dd>{reconnects}</dd>
            <dt>Transport</dt>
            <dd>
              {fallbackReason ? `${transport}: ${fallbackReason}` : transport}
            </dd>
          </dl>
        </details>
      </header>
      {pnl.stale && (
        <p class="stale-banner" role="status">
          Totals rest on figures that are not current: {sources
            .filter(([, s]) => s.status !== "ok")
            .map(([id, s]) =>
              `${id} (${s.status}${
                s.asOf ? ` since ${clockTime(text(s.asOf), now, zone)}` : ""
              }, ${
                s.origin === "live"
                  ? "last live value"
                  : `from cache ${s.origin}`
              })`
            )
            .join("; ")}
        </p>
      )}
      {disconnected && (
        <p class="disconnected-banner" role="status" data-testid="disconnected">
          {status === "offline"
            ? "Offline"
            : status === "closed"
            ? "Disconnected"
            : "Reconnecting"}: the figures are the last ones received{since
            ? `, at ${clockTime(new Date(since).toISOString(), now, zone)}`
            : ""}.
        </p>
      )}
      {missing.length > 0 && (
        <p class="incomplete-banner" role="status" data-testid="incomplete">
          {describeMissing(missing)}
        </p>
      )}
      <section
        class={`net${missing.length > 0 ? " incomplete" : ""}`}
        aria-label="Net P&L"
      >
        <h2>
          Net P&amp;L{missing.length > 0 && (
            <span class="incomplete-tag">incomplete</span>
          )}
        </h2>
        <p
          class={`net-value ${pnl.totals.netMinor < 0 ? "neg" : "pos"}${
            fitClass(money(pnl.totals.netMinor, true))
          }${flash ? ` flash-${flash}` : ""}`}
          data-testid="net"
          data-incomplete={missing.length > 0 ? "true" : undefined}
        >
          {money(pnl.totals.netMinor, true)}
        </p>
        <p class="visually-hidden" aria-live="polite">{announcement}</p>
      </section>
      <section class="totals" aria-label="Totals">
        <Figure
          label="Revenue"
          value={money(pnl.totals.revenueMinor)}
          id="revenue"
          incomplete={lacking.has("revenue")}
        />
        <Figure
          label="Expenses"
          value={money(pnl.totals.expensesMinor)}
          id="expenses"
          incomplete={lacking.has("expenses")}
        />
        <Figure
          label="Trading P&L"
          value={money(pnl.totals.tradingMinor, true)}
          id="trading"
          incomplete={lacking.has("trading")}
        />
      </section>
      <PnlChart
        controls={!props.kiosk}
        netMinor={pnl.totals.netMinor}
        totals={pnl.totals}
        asOf={latestAsOf(sources)}
        minorPerMajor={10 ** currencyExponent(pnl.currency)}
        currency={pnl.currency}
      />
      <section class="sources" aria-label="Sources">
        <h2>Sources</h2>
        <ul>
          {sources.map(([id, s]) => (
            <SourceRow
              key={id}
              id={id}
              s={s}
              currency={pnl.currency}
              now={now}
              zone={zone}
              opens={!props.kiosk}
            />
          ))}
        </ul>
      </section>
      <p class="board-foot" data-testid="time-zone">
        Times are in {zone === "UTC" ? "UTC" : `your time zone, ${zone}`}.
      </p>
    </main>
  );
}

function Figure(
  { label, value, id, incomplete }: {
    label: string;
    value: string;
    id: string;
    incomplete: boolean;
  },
): preact.JSX.Element {
  return (
    <div class={`figure${incomplete ? " incomplete" : ""}`}>
      <h3>
        {label}
        {incomplete && <span class="incomplete-tag">incomplete</span>}
      </h3>
      <p data-testid={id} data-incomplete={incomplete ? "true" : undefined}>
        {value}
      </p>
    </div>
  );
}

/** A size class for a long figure, so it fits the screen. */
function fitClass(text: string): string {
  const n = text.length;
  return n <= 10 ? "" : n <= 13 ? " fit-m" : n <= 17 ? " fit-l" : " fit-xl";
}

function latestAsOf(sources: [string, PnlSourceState][]): string | undefined {
  let latest: string | undefined;
  for (const [, s] of sources) {
    if (typeof s.asOf === "string" && (!latest || s.asOf > latest)) {
      latest = s.asOf;
    }
  }
  return latest;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
