/**
 * A wall screen's one status line: whatever is wrong (the connection, the
 * most severe firing alert, figures that are not current, totals that
 * lack a source), consolidated into a sentence big enough to read across a
 * room, in the colour of the worst of it; nothing when all is well.
 */
import { duration } from "./time_words.ts";
import type { SourceState } from "@/lib/protocol/mod.ts";
import type { MissingFigure } from "./pnl_view.ts";
import { alertsOf } from "./AlertBanner.tsx";

type Firing = {
  rule: string;
  severity: string;
  summary: string;
  since: string;
};

const SEVERITY_RANK: Readonly<Record<string, number>> = {
  critical: 3,
  warning: 2,
  info: 1,
};

/** Props of {@linkcode KioskStatus}. */
export interface KioskStatusProps {
  /** The connection's trouble in words ("Reconnecting"), if any. */
  connection?: string;
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
}

/** The status line, or nothing. */
export function KioskStatus(
  props: KioskStatusProps,
): preact.JSX.Element | null {
  const { now, nameOf } = props;
  const parts: string[] = [];
  let level: "bad" | "warn" | "info" = "info";
  const worse = (l: "bad" | "warn") => {
    if (l === "bad" || level === "info") level = l;
  };
  if (props.connection) {
    parts.push(props.connection);
    worse("warn");
  }
  const firing = [...alertsOf(props.alerts).firing].sort((a, b) =>
    (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0)
  );
  const worst = firing[0];
  if (worst) {
    const more = firing.length - 1;
    parts.push(
      `${worst.severity === "critical" ? "Critical: " : ""}${worst.summary}${
        more > 0 ? ` (and ${more} more alert${more === 1 ? "" : "s"})` : ""
      }`,
    );
    worse(worst.severity === "critical" ? "bad" : "warn");
  }
  const stale = props.sources.filter(([, s]) =>
    s.status !== "ok" && s.status !== "syncing" && s.amountMinor !== undefined
  );
  if (stale.length > 0) {
    parts.push(
      `Not current: ${
        stale.map(([id, s]) =>
          `${nameOf(id)}${
            typeof s.asOf === "string"
              ? ` (${duration(Math.max(0, now - Date.parse(s.asOf)))} old)`
              : ""
          }`
        ).join(", ")
      }`,
    );
    worse("warn");
  }
  if (props.missing.length > 0) {
    parts.push(
      `No figure yet from ${
        props.missing.map((m) => nameOf(m.id)).join(", ")
      }: its totals are incomplete`,
    );
    worse("warn");
  }
  if (parts.length === 0) return null;
  return (
    <p
      class={`status-line status-${level}`}
      role="status"
      data-testid="status-line"
    >
      {parts.join(" · ")}
    </p>
  );
}
