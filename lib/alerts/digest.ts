/**
 * What a digest says: the last full day's (or week's) figures against the
 * one before, drawn whole from the flows' ledgers (so a digest made after
 * a restart, or by a new leader, is as complete as one made by a server
 * that ran through the day); each period to date as the board shows it
 * when the digest is made; the sources that moved most; and the alerts of
 * the span. Built once, formatted per channel (digest_words.ts).
 *
 * @module
 */
import { dateTimeFormat } from "../intl_formats.ts";
import { formatMoney } from "../money.ts";
import {
  netOf,
  PERIODS,
  type PnlState,
  ROLE_TOTAL,
  type SourceRole,
} from "../protocol/mod.ts";
import type { Source } from "../sources/mod.ts";
import type { Occurrence, ReportingCalendar, TimeWindow } from "../time/mod.ts";
import type { DigestSpec } from "./digest_spec.ts";

/** Revenue, expenses, trading and net over a span, integer minor units. */
export interface DigestFigures {
  revenueMinor: number;
  expensesMinor: number;
  tradingMinor: number;
  netMinor: number;
}

/** A span the digest covers, with its name in words. */
export interface DigestSpan {
  /** ISO-8601 UTC, inclusive. */
  from: string;
  /** ISO-8601 UTC, exclusive. */
  to: string;
  /** "Sunday 6 Dec 2026", or "30 Nov – 6 Dec 2026". */
  label: string;
}

/** A source that moved, over the span against the one before. */
export interface DigestMover {
  source: string;
  /** Its name on the board. */
  label: string;
  role: SourceRole;
  amountMinor: number;
  previousMinor: number;
  /** amount − previous. */
  changeMinor: number;
}

/** An alert of the span. */
export interface DigestAlert {
  rule: string;
  severity: string;
  summary: string;
  /** When it fired, ISO-8601 UTC. */
  since: string;
  /** When it resolved within the span, ISO-8601 UTC. */
  resolvedAt?: string;
}

/** One period to date when the digest was made. */
export interface DigestPeriod extends DigestFigures {
  id: string;
  title: string;
  /** The previous period's net up to the same point. */
  previousNetMinor: number;
}

/** A digest, as a webhook receives it. */
export interface DigestNotification {
  /** Idempotency key: `digest:<id>:<local date it is sent on>`. */
  key: string;
  /** `digest:<id>`, where alerts have their rule's id. */
  rule: string;
  status: "digest";
  digest: string;
  every: "day" | "week";
  /** "Daily digest for Sunday 6 Dec 2026". */
  title: string;
  /** One line: the net over the span and its change. */
  summary: string;
  currency: string;
  timezone: string;
  covered: DigestSpan;
  compared: DigestSpan;
  figures: DigestFigures;
  previous: DigestFigures;
  /** Flows whose figures cannot be split by day: left out of the span's. */
  incomplete?: string[];
  periods: DigestPeriod[];
  movers: DigestMover[];
  /** Alerts that fired in the span (as notified), and those firing now. */
  alerts: { fired: DigestAlert[]; firing: DigestAlert[] };
  /** When it was made, ISO-8601 UTC. */
  at: string;
  board: string;
}

/** What a digest is made from. */
export interface DigestInput {
  spec: DigestSpec;
  /** The occurrence it is made for. */
  slot: Occurrence;
  calendar: ReportingCalendar;
  /** The board's sources (flows give the span's figures). */
  sources: readonly Source[];
  /** The newest state (periods to date, names, alerts firing). */
  state?: PnlState;
  /** Alerts fired in the covered span, from the outbox. */
  fired: DigestAlert[];
  currency: string;
  board: string;
  now: number;
}

/**
 * The spans a digest made at an occurrence covers: the last full day (or
 * week) before it, and the one before that.
 *
 * @param every The digest's rhythm.
 * @param calendar The board's calendar.
 * @param at The occurrence, epoch ms.
 * @returns The covered and compared spans.
 */
export function digestSpans(
  every: "day" | "week",
  calendar: ReportingCalendar,
  at: number,
): { covered: TimeWindow; compared: TimeWindow } {
  const period = every === "day" ? "today" : "wtd";
  const covered = calendar.period(period, at).previousWhole;
  const compared = calendar.period(period, covered.from).previousWhole;
  return { covered, compared };
}

/**
 * Builds a digest.
 *
 * @param input What it is made from.
 * @returns The notification.
 */
export function buildDigest(input: DigestInput): DigestNotification {
  const { spec, slot, calendar, state, currency } = input;
  const { covered, compared } = digestSpans(spec.every, calendar, slot.at);
  const figures = zero();
  const previous = zero();
  const incomplete: string[] = [];
  const movers: DigestMover[] = [];
  for (const source of input.sources) {
    if (source.nature === "stock") continue;
    const flows = source.flows?.();
    if (!flows || flows.currency !== currency) {
      incomplete.push(source.id);
      continue;
    }
    const amountMinor = flows.sum(covered);
    const previousMinor = flows.sum(compared);
    figures[ROLE_TOTAL[source.role]] += amountMinor;
    previous[ROLE_TOTAL[source.role]] += previousMinor;
    if (amountMinor !== previousMinor) {
      movers.push({
        source: source.id,
        label: state?.sources[source.id]?.label ?? source.id,
        role: source.role,
        amountMinor,
        previousMinor,
        changeMinor: amountMinor - previousMinor,
      });
    }
  }
  figures.netMinor = netOf(figures);
  previous.netMinor = netOf(previous);
  movers.sort((a, b) =>
    Math.abs(b.changeMinor) - Math.abs(a.changeMinor) ||
    a.source.localeCompare(b.source)
  );
  const span = (w: TimeWindow) => spanOf(w, spec.every, calendar.timeZone);
  const coveredSpan = span(covered);
  const when = spec.every === "day" ? "the day" : "the week";
  const change = figures.netMinor - previous.netMinor;
  return {
    key: `digest:${spec.id}:${slot.date}`,
    rule: `digest:${spec.id}`,
    status: "digest",
    digest: spec.id,
    every: spec.every,
    title: `${spec.every === "day" ? "Daily" : "Weekly"} digest for ${
      spec.every === "day" ? "" : "the week of "
    }${coveredSpan.label}`,
    summary: `Net ${formatMoney(figures.netMinor, currency)}, ${
      change === 0
        ? `the same as ${when} before`
        : `${change > 0 ? "up" : "down"} ${
          formatMoney(Math.abs(change), currency)
        } on ${when} before (${formatMoney(previous.netMinor, currency)})`
    }`,
    currency,
    timezone: calendar.timeZone,
    covered: coveredSpan,
    compared: span(compared),
    figures,
    previous,
    ...(incomplete.length ? { incomplete } : {}),
    periods: state ? periodsOf(state) : [],
    movers: movers.slice(0, spec.movers),
    alerts: {
      fired: input.fired,
      firing: (state?.alerts?.firing ?? []).map((a) => ({
        rule: a.rule,
        severity: a.severity,
        summary: a.summary,
        since: a.since,
      })),
    },
    at: new Date(input.now).toISOString(),
    board: input.board,
  };
}

function zero(): DigestFigures {
  return { revenueMinor: 0, expensesMinor: 0, tradingMinor: 0, netMinor: 0 };
}

function periodsOf(state: PnlState): DigestPeriod[] {
  return PERIODS.flatMap(({ id, title }) => {
    const p = state.periods[id];
    if (!p) return [];
    return [{
      id,
      title,
      revenueMinor: p.revenueMinor,
      expensesMinor: p.expensesMinor,
      tradingMinor: p.tradingMinor,
      netMinor: p.netMinor,
      previousNetMinor: netOf(p.previous),
    }];
  });
}

/** A span in words, in the board's zone and its one date style. */
function spanOf(
  w: TimeWindow,
  every: "day" | "week",
  timeZone: string,
): DigestSpan {
  const day = dateTimeFormat("en-GB", {
    timeZone,
    day: "numeric",
    month: "short",
    year: "numeric",
  });
  const label = every === "day"
    ? `${
      dateTimeFormat("en-GB", { timeZone, weekday: "long" }).format(w.from)
    } ${day.format(w.from)}`
    : `${day.format(w.from)} – ${day.format(w.to - 1)}`;
  return {
    from: new Date(w.from).toISOString(),
    to: new Date(w.to).toISOString(),
    label,
  };
}
