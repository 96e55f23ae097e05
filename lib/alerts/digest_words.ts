/**
 * A digest in words, for the channels that carry words: plain-text lines
 * for email, the same lines as Slack Block Kit sections. Amounts in the
 * board's currency, times in its zone and its one date style.
 *
 * @module
 */
import { dateTimeFormat } from "../intl_formats.ts";
import { formatMoney } from "../money.ts";
import type { DigestFigures, DigestNotification } from "./digest.ts";

const TOTALS: [keyof DigestFigures, string][] = [
  ["revenueMinor", "Revenue"],
  ["expensesMinor", "Expenses"],
  ["tradingMinor", "Trading"],
  ["netMinor", "Net"],
];

/**
 * The digest's sections, each a heading and its lines.
 *
 * @param d The digest.
 * @returns The sections, in reading order.
 */
export function digestSections(
  d: DigestNotification,
): { heading: string; lines: string[] }[] {
  const money = (minor: number) => formatMoney(minor, d.currency);
  const before = d.every === "day" ? "the day before" : "the week before";
  const when = (iso: string) =>
    dateTimeFormat("en-GB", {
      timeZone: d.timezone,
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(Date.parse(iso));
  const sections = [{
    heading: `${d.covered.label} (against ${d.compared.label})`,
    lines: [
      ...TOTALS.map(([key, name]) =>
        `${name}: ${money(d.figures[key])} (${
          money(d.previous[key])
        } ${before})`
      ),
      ...(d.incomplete
        ? [`Not split by day, so left out: ${d.incomplete.join(", ")}`]
        : []),
    ],
  }];
  if (d.periods.length) {
    sections.push({
      heading: `To date, at ${when(d.at)}`,
      lines: d.periods.map((p) =>
        `${p.title}: net ${money(p.netMinor)} (${
          money(p.previousNetMinor)
        } a period before at the same point)`
      ),
    });
  }
  sections.push({
    heading: "Top movers",
    lines: d.movers.length
      ? d.movers.map((m) =>
        `${m.label}: ${money(m.amountMinor)}, ${
          m.changeMinor > 0 ? "up" : "down"
        } ${money(Math.abs(m.changeMinor))} on ${before}`
      )
      : [`No source moved against ${before}.`],
  });
  const { fired, firing } = d.alerts;
  sections.push({
    heading: "Alerts",
    lines: [
      ...fired.map((a) =>
        `Fired ${when(a.since)}: ${a.summary} (${a.severity}${
          a.resolvedAt ? `, resolved ${when(a.resolvedAt)}` : ""
        })`
      ),
      ...firing.map((a) =>
        `Firing now, since ${when(a.since)}: ${a.summary} (${a.severity})`
      ),
      ...(fired.length + firing.length === 0 ? ["No alerts."] : []),
    ],
  });
  return sections;
}

/**
 * The digest as plain text (an email's body).
 *
 * @param d The digest.
 * @returns The text, ending in a newline.
 */
export function digestText(d: DigestNotification): string {
  const body = digestSections(d).map((s) =>
    [s.heading, ...s.lines.map((l) => `  ${l}`)].join("\n")
  );
  return [
    `${d.title}: ${d.summary}`,
    "",
    ...body.flatMap((b) => [b, ""]),
    `Board: ${d.board}`,
    `Key: ${d.key}`,
  ].join("\n") + "\n";
}

/**
 * The digest as a Slack incoming-webhook message.
 *
 * @param d The digest.
 * @param escape Slack's escaping of `&`, `<` and `>`.
 * @returns The message: `text` and blocks.
 */
export function digestSlackMessage(
  d: DigestNotification,
  escape: (text: string) => string,
): unknown {
  return {
    text: `${d.title}: ${d.summary}`,
    blocks: [
      {
        type: "header",
        text: { type: "plain_text", text: `📊 ${d.title}`.slice(0, 150) },
      },
      {
        type: "section",
        text: { type: "mrkdwn", text: `*${escape(d.summary)}*` },
      },
      ...digestSections(d).map((s) => ({
        type: "section",
        text: {
          type: "mrkdwn",
          // Slack cuts a section's text at 3,000 characters.
          text: `*${escape(s.heading)}*\n${
            s.lines.map((l) => `• ${escape(l)}`).join("\n")
          }`.slice(0, 3_000),
        },
      })),
      {
        type: "context",
        elements: [{
          type: "mrkdwn",
          text: `${escape(d.board)} · key \`${d.key}\``,
        }],
      },
    ],
  };
}
