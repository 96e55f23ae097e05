/**
 * What a notification says, built once per event and formatted per
 * channel: the generic webhook gets it as JSON; Slack gets Block Kit text
 * that reads well on a phone.
 *
 * @module
 */
import { formatMoney } from "../money.ts";
import type { AlertEvent, AlertTrack } from "./evaluator.ts";
import { alertSummary, conditionWords, figureName } from "./figure.ts";
import type { AlertRule } from "./rule.ts";
import type { DigestNotification } from "./digest.ts";
import { digestSlackMessage } from "./digest_words.ts";

/** The notification, as a webhook receives it. */
export interface AlertNotification {
  /** Idempotency key: `rule:episode:event` (and the reminder's number). */
  key: string;
  /** The rule's id. */
  rule: string;
  /** What happened; `test` for a test sent by hand. */
  status: AlertEvent | "test";
  severity: AlertRule["severity"];
  /** One line for people: "Net today is -$612.40, below -$500.00". */
  summary: string;
  /** What is watched, and its value when it has one. */
  figure: {
    name: string;
    period?: string;
    source?: string;
    valueMinor?: number;
    currency: string;
    status?: string;
  };
  /** The condition in words. */
  condition: string;
  /** When the episode fired, ISO-8601 UTC. */
  startsAt: string;
  /** When it resolved, for a resolve. */
  endsAt?: string;
  /** When this notification was made. */
  at: string;
  /** The board's title. */
  board: string;
  /** The rule's description, when it has one. */
  description?: string;
}

/** What the outbox carries: an alert's notification or a digest. */
export type Notice = AlertNotification | DigestNotification;

/** What the evaluator knew when the event happened. */
export interface EventContext {
  rule: AlertRule;
  track: AlertTrack;
  event: AlertEvent | "test";
  now: number;
  valueMinor?: number;
  status?: string;
  currency: string;
  board: string;
}

/** Builds the notification for an event. */
export function notificationFor(c: EventContext): AlertNotification {
  const { rule, track, event, now, currency } = c;
  const name = figureName(rule);
  const condition = conditionWords(rule, currency);
  const value = c.status ??
    (c.valueMinor !== undefined
      ? formatMoney(c.valueMinor, currency)
      : "unknown");
  const verb = event === "resolved" ? "is back:" : "is";
  const summary = event === "test"
    ? `Test of "${rule.id}": it fires when ${name} is ${condition}`
    : event === "resolved"
    ? `${name} ${verb} ${value}, no longer ${condition}`
    : alertSummary(rule, value, currency);
  const suffix = event === "reminder" ? `:${track.reminders}` : "";
  return {
    key: `${rule.id}:${track.episode}:${event}${suffix}`,
    rule: rule.id,
    status: event,
    severity: rule.severity,
    summary,
    figure: {
      name,
      ...(rule.condition.kind !== "status" ? { period: rule.period } : {}),
      ...(rule.source ? { source: rule.source } : {}),
      ...(c.valueMinor !== undefined ? { valueMinor: c.valueMinor } : {}),
      currency,
      ...(c.status ? { status: c.status } : {}),
    },
    condition,
    startsAt: new Date(track.firedAt ?? now).toISOString(),
    ...(event === "resolved" ? { endsAt: new Date(now).toISOString() } : {}),
    at: new Date(now).toISOString(),
    board: c.board,
    ...(rule.description ? { description: rule.description } : {}),
  };
}

const ICONS: Record<string, string> = {
  firing: "🔴",
  reminder: "🔁",
  resolved: "✅",
  test: "🧪",
};

/**
 * A Slack incoming-webhook message: `text` (the phone's notification and
 * the fallback) and blocks (a header, the summary, the context; a
 * digest's sections).
 */
export function slackMessage(n: Notice): unknown {
  if (n.status === "digest") return digestSlackMessage(n, escapeSlack);
  const title = `${
    ICONS[n.status]
  } ${n.status.toUpperCase()}: ${n.rule} (${n.severity})`;
  const since = n.endsAt
    ? `from ${n.startsAt} to ${n.endsAt}`
    : `since ${n.startsAt}`;
  return {
    text: `${title}: ${n.summary}`,
    blocks: [
      {
        type: "header",
        text: { type: "plain_text", text: title.slice(0, 150) },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*${escapeSlack(n.summary)}*${
            n.description ? `\n${escapeSlack(n.description)}` : ""
          }`,
        },
      },
      {
        type: "context",
        elements: [{
          type: "mrkdwn",
          text: `${escapeSlack(n.board)} · ${since} · key \`${n.key}\``,
        }],
      },
    ],
  };
}

/** Slack's three control characters, escaped as its docs ask. */
function escapeSlack(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  );
}
