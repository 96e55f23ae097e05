/**
 * The live board at `/`: net P&L, its parts and every source, kept current
 * by `lib/client`'s StreamClient from the server-rendered snapshot on.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { TopicView, TransportName } from "@/lib/client/mod.ts";
import { currencyExponent, formatMoney } from "@/lib/money.ts";
import { PnlChart } from "./parts/PnlChart.tsx";
import { useStreamClient } from "./parts/use_stream_client.ts";
import { missingFigures } from "./parts/pnl_view.ts";
import {
  type PeriodId,
  PERIODS,
  periodTitle,
  periodView,
} from "./parts/period_view.ts";
import { PeriodFigures } from "./parts/PeriodFigures.tsx";
import { Balances } from "./parts/Balances.tsx";
import {
  useFlash,
  useNow,
  useThrottledAnnouncement,
  useTimeZone,
} from "./parts/hooks.ts";
import { SourceRow } from "./parts/SourceRow.tsx";
import { BoardBanners } from "./parts/BoardBanners.tsx";
import { ConnectionBadge } from "./parts/ConnectionBadge.tsx";
import {
  periodWindows,
  type PnlState,
  type SourceState,
} from "@/lib/protocol/mod.ts";

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
  /**
   * The server's heartbeat interval (`PULSE_HEARTBEAT_MS`), ms.
   * @default {15000}
   */
  heartbeatMs?: number;
  /** The server's time when it rendered the page, epoch ms. */
  renderedAt: number;
  /** Whether the viewer is an operator (the badge links to /admin). */
  operator?: boolean;
  /**
   * The reporting period shown (`?period=`).
   * @default {"today"}
   */
  period?: PeriodId;
  /** A transport forced by `?transport=` (debugging), else automatic. */
  forceTransport?: TransportName;
  /**
   * A wall screen (`?kiosk`): full-bleed, the net figure scaled to the
   * screen, no controls. The client reconnects forever and the chart
   * trims old points, so it can run for days.
   */
  kiosk?: boolean;
  /**
   * A wall screen's rotation (`?rotate=S`): the next period every S
   * seconds, Today to Year and round again.
   */
  rotateS?: number;
}

/** The live P&L board. */
export default function LiveBoard(props: LiveBoardProps): preact.JSX.Element {
  const client = useStreamClient({
    topic: props.topic,
    initial: { epoch: props.epoch, seq: props.seq, data: props.data },
    authRequired: props.authRequired,
    forceTransport: props.forceTransport,
    ...(props.heartbeatMs ? { heartbeatMs: props.heartbeatMs } : {}),
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
  const sources = Object.entries(pnl.sources);
  const now = useNow(props.renderedAt);
  const zone = useTimeZone(pnl.timezone);
  const period = useSignal<PeriodId>(props.period ?? "today");
  // The periods' bounds follow from the state's date and zone alone.
  const windows = useMemo(() => periodWindows(pnl, now), [
    pnl.timezone,
    pnl.weekStart,
    pnl.date,
  ]);
  const shown = periodView(pnl, period.value, windows);
  const balances = useMemo(() => balancesOf(sources), [
    sources.map(([id, s]) =>
      s.nature === "stock" ? `${id}:${s.amountMinor}:${s.asOf}` : ""
    ).join(),
  ]);
  const flash = useFlash(shown.netMinor);
  const missing = missingFigures(sources);
  // One function for as long as the names stay the same, so the parts
  // that take it are not re-rendered by every delta.
  const names = sources.map(([id, s]) =>
    `${id}\u0000${typeof s.label === "string" ? s.label : id}`
  ).join("\u0001");
  const nameOf = useMemo(() => {
    const byId = new Map(
      names.split("\u0001").map((pair) => {
        const [id = "", label = ""] = pair.split("\u0000");
        return [id, label] as const;
      }),
    );
    return (id: string) => byId.get(id) ?? id;
  }, [names]);
  // Not connected after having been (or given up): the figures on screen
  // are the last ones received, and the board says since when.
  const disconnected = status === "reconnecting" || status === "offline" ||
    status === "closed";
  const since = client.value.lastMessageAt;
  const announcement = useThrottledAnnouncement(
    `Net P&L ${periodTitle(period.value)} ${
      formatMoney(shown.netMinor, pnl.currency, { signed: true })
    }`,
  );
  // A wall screen may step through the periods by itself.
  useEffect(() => {
    if (!props.rotateS) return;
    const id = setInterval(() => {
      const at = PERIODS.findIndex((p) => p.id === period.value);
      period.value = PERIODS[(at + 1) % PERIODS.length]!.id;
    }, props.rotateS * 1000);
    return () => clearInterval(id);
  }, [props.rotateS]);
  /** Shows another period and keeps it in the URL (reloads keep it). */
  const choose = (next: PeriodId) => {
    period.value = next;
    const url = new URL(location.href);
    if (next === "today") url.searchParams.delete("period");
    else url.searchParams.set("period", next);
    history.replaceState(null, "", url);
  };

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
        <ConnectionBadge
          status={status}
          transport={transport}
          latencyMs={latencyMs}
          reconnects={reconnects}
          fallbackReason={fallbackReason}
          health={health.value}
          operatorLink={props.operator === true && !props.kiosk}
        />
      </header>
      <BoardBanners
        kiosk={props.kiosk === true}
        connection={disconnected ? status : undefined}
        lastMessageAt={since}
        stale={pnl.stale}
        alerts={pnl.alerts}
        sources={sources}
        missing={missing}
        nameOf={nameOf}
        now={now}
        zone={zone}
      />
      <PeriodFigures
        period={period.value}
        view={shown}
        currency={pnl.currency}
        zone={zone}
        now={now}
        missing={missing}
        nameOf={nameOf}
        flash={flash}
        controls={!props.kiosk}
        onPeriod={choose}
      />
      <p class="visually-hidden" aria-live="polite">{announcement}</p>
      <PnlChart
        period={period.value}
        from={shown.from}
        to={shown.to}
        netMinor={shown.netMinor}
        totals={shown}
        asOf={latestAsOf(sources)}
        minorPerMajor={10 ** currencyExponent(pnl.currency)}
        currency={pnl.currency}
        zone={pnl.timezone}
        controls={!props.kiosk}
      />
      <Balances
        balances={balances}
        currency={pnl.currency}
        nameOf={nameOf}
        now={now}
        zone={zone}
      />
      <section class="sources" aria-label="Sources">
        <h2>Sources</h2>
        <ul>
          {sources.map(([id, s]) => (
            <SourceRow
              key={id}
              id={id}
              s={s}
              amountMinor={s.nature === "stock"
                ? s.amountMinor
                : shown.sources[id]}
              todayMinor={pnl.periods.today.sources[id]?.amountMinor}
              currency={pnl.currency}
              now={now}
              zone={zone}
              period={period.value}
              opens={!props.kiosk}
            />
          ))}
        </ul>
      </section>
      <p class="board-foot" data-testid="time-zone">
        Times are in {zone}, the board's time zone.
      </p>
    </main>
  );
}

/** Each stock's balance, for the balances section. */
function balancesOf(
  sources: [string, SourceState][],
): Record<string, { amountMinor: number; asOf: string }> {
  const out: Record<string, { amountMinor: number; asOf: string }> = {};
  for (const [id, s] of sources) {
    if (s.nature === "stock" && s.amountMinor !== undefined && s.asOf) {
      out[id] = { amountMinor: s.amountMinor, asOf: s.asOf };
    }
  }
  return out;
}

function latestAsOf(sources: [string, SourceState][]): string | undefined {
  let latest: string | undefined;
  for (const [, s] of sources) {
    if (typeof s.asOf === "string" && (!latest || s.asOf > latest)) {
      latest = s.asOf;
    }
  }
  return latest;
}
