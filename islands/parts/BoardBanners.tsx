/**
 * What is wrong, above the board's figures: on a desk, a banner each (the
 * connection, figures that are not current, the firing alerts, totals
 * that lack a source); on a wall screen (`?kiosk`), the one status line
 * of `KioskStatus`.
 */
import type { SourceState } from "@/lib/protocol/mod.ts";
import { AlertBanner } from "./AlertBanner.tsx";
import { KioskStatus } from "./KioskStatus.tsx";
import { describeMissing, type MissingFigure } from "./pnl_view.ts";
import { clockTime, duration } from "./time_words.ts";

/** Props of {@linkcode BoardBanners}. */
export interface BoardBannersProps {
  /** A wall screen: one status line. */
  kiosk: boolean;
  /** The connection's state while it is not connected, else undefined. */
  connection?: string;
  /** When the last message arrived, epoch ms. */
  lastMessageAt?: number;
  /** Whether the totals rest on figures that are not current. */
  stale: boolean;
  /** The state's `alerts`. */
  alerts: unknown;
  /** The board's sources. */
  sources: readonly [string, SourceState][];
  /** Sources with no figure. */
  missing: readonly MissingFigure[];
  /** A source's name. */
  nameOf: (id: string) => string;
  /** The time now, epoch ms. */
  now: number;
  /** The zone times are shown in. */
  zone: string;
}

/** The banners, or the wall screen's status line. */
export function BoardBanners(props: BoardBannersProps): preact.JSX.Element {
  const { connection, lastMessageAt, sources, missing, nameOf, now, zone } =
    props;
  const word = connection === "offline"
    ? "Offline"
    : connection === "closed"
    ? "Disconnected"
    : "Reconnecting";
  const at = lastMessageAt === undefined
    ? undefined
    : clockTime(new Date(lastMessageAt).toISOString(), now, zone);
  if (props.kiosk) {
    return (
      <KioskStatus
        connection={connection
          ? `${word}: figures as of ${at ?? "the last update"}`
          : undefined}
        alerts={props.alerts}
        sources={sources}
        missing={missing}
        nameOf={nameOf}
        now={now}
      />
    );
  }
  return (
    <>
      {props.stale && (
        <p class="stale-banner" role="status">
          Totals rest on figures that are not current: {sources
            .filter(([, s]) => s.status !== "ok" && s.status !== "syncing")
            .map(([id, s]) =>
              `${nameOf(id)}${
                typeof s.asOf === "string"
                  ? `, its last figure from ${clockTime(s.asOf, now, zone)} (${
                    duration(Math.max(0, now - Date.parse(s.asOf)))
                  } old)`
                  : ", no figure yet"
              }`
            )
            .join("; ")}
        </p>
      )}
      {connection && (
        <p class="disconnected-banner" role="status" data-testid="disconnected">
          {word}: the figures are the last ones received{at
            ? `, at ${at}`
            : ""}.
        </p>
      )}
      <AlertBanner alerts={props.alerts} now={now} zone={zone} />
      {missing.length > 0 && (
        <p class="incomplete-banner" role="status" data-testid="incomplete">
          {describeMissing(missing)}
        </p>
      )}
    </>
  );
}
