/**
 * The firing alerts above the figures (the P&L state's `alerts`, set by
 * `lib/alerts` on the leader): what fires, since when, most severe first,
 * and the latest events folded below. Nothing when nothing fires or ever
 * fired.
 */
import { clockTime, duration } from "./time_words.ts";
import { memo } from "./memo.ts";

/** A firing alert as the state carries it. */
export type Firing = {
  rule: string;
  severity: string;
  summary: string;
  since: string;
  acknowledgedAt?: string;
  silencedUntil?: string;
};
type Recent = { rule: string; status: string; summary: string; at: string };

/** How long an alert has fired: "under a minute", "12 min", "3 h". */
function sinceWords(ms: number): string {
  return ms < 60_000 ? "under a minute" : duration(ms);
}

/** Reads the state's `alerts`, whatever shape an older server sent. */
export function alertsOf(
  value: unknown,
): { firing: Firing[]; recent: Recent[] } {
  const a = value as { firing?: unknown; recent?: unknown } | undefined;
  return {
    firing: Array.isArray(a?.firing) ? a.firing as Firing[] : [],
    recent: Array.isArray(a?.recent) ? a.recent as Recent[] : [],
  };
}

/** The banner; re-rendered only when its props change. */
export const AlertBanner = memo(function AlertBanner(
  props: { alerts: unknown; now: number; zone: string },
): preact.JSX.Element | null {
  const { firing, recent } = alertsOf(props.alerts);
  if (firing.length === 0 && recent.length === 0) return null;
  const { now, zone } = props;
  return (
    <section class="alerts" aria-label="Alerts" data-testid="alerts">
      {firing.length > 0 && (
        <ul class="alerts-firing" role="alert">
          {firing.map((a) => (
            <li
              key={a.rule}
              class={`alert alert-${a.severity}`}
              data-rule={a.rule}
            >
              <strong>{a.severity}</strong> {a.summary}{" "}
              <span class="alert-since">
                since {clockTime(a.since, now, zone)} ({sinceWords(
                  Math.max(0, now - Date.parse(a.since)),
                )})
                {a.acknowledgedAt ? " · acknowledged" : ""}
                {a.silencedUntil && Date.parse(a.silencedUntil) > now
                  ? ` · notifications silenced until ${
                    clockTime(a.silencedUntil, now, zone)
                  }`
                  : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
      {recent.length > 0 && (
        <details class="alerts-recent">
          <summary>Recent alerts</summary>
          <ul>
            {recent.map((r) => (
              <li key={`${r.rule}${r.at}`}>
                {clockTime(r.at, now, zone)} {r.status}: {r.summary}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
});
