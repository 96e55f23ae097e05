/**
 * An alert rule as the sources file declares it (`alerts`): what it
 * watches, its one condition, `for`, `repeat`, severity and channels,
 * validated with the same field machinery as sources (every error names
 * its place, what was found and what is accepted). Thresholds are in
 * major units of the board's currency and kept as exact minor units.
 * About 350 lines, kept whole: most of it is the fields' declarations
 * (which docs/alerts.md's reference is generated from) and the one
 * parser that reads them; `checkNotify` is here because a digest's
 * channels are checked the same way.
 *
 * @module
 */
import {
  currencyExponent,
  MoneyError,
  parseDecimal,
  toMinorUnits,
} from "../money.ts";
import {
  bool,
  type Fields,
  int,
  type JsonSchema,
  listOf,
  nested,
  oneOf,
  type Parsed,
  parseObject,
  SpecError,
  str,
} from "../spec/mod.ts";
import { PERIOD_NAMES, type PeriodName } from "../time/mod.ts";

/** The P&L totals a rule can watch. */
export const ALERT_FIGURES = ["net", "revenue", "expenses", "trading"] as const;
/** A total of the P&L. */
export type AlertFigure = typeof ALERT_FIGURES[number];
/** Source statuses a rule can watch. */
export const WATCHED_STATUSES = ["stale", "error", "open", "syncing"] as const;
/** A source status. */
export type WatchedStatus = typeof WATCHED_STATUSES[number];
/** How loud an alert is. */
export type Severity = "info" | "warning" | "critical";

/** A threshold, change or status condition. */
export type AlertCondition =
  | { kind: "threshold"; aboveMinor?: number; belowMinor?: number }
  | {
    kind: "change";
    windowMs: number;
    /** Minor units, or percent when `percent`. */
    above?: number;
    below?: number;
    percent: boolean;
  }
  | { kind: "status"; statuses: WatchedStatus[] };

/** One validated rule. */
export interface AlertRule {
  id: string;
  /** A P&L total (with `period`), or absent for a source's figure or status. */
  figure?: AlertFigure;
  /** A source's figure (with `period` for a flow) or status. */
  source?: string;
  period: PeriodName;
  condition: AlertCondition;
  forMs: number;
  repeatMs: number;
  severity: Severity;
  /** Channel ids to notify. */
  notify: string[];
  /** Words for people, when the file gives them. */
  description?: string;
}

/** An amount in major units: a number or a decimal string. */
const majorAmount: {
  parse(v: unknown, p: string): string;
  schema(): JsonSchema;
} = {
  parse(value, path) {
    const text = typeof value === "number" && Number.isFinite(value)
      ? String(value)
      : value;
    if (typeof text !== "string" || !/^-?\d+(\.\d+)?$/.test(text)) {
      throw new SpecError(
        path,
        `${path}: found ${
          JSON.stringify(value)
        }, expected an amount in major units of the board's currency, such as 500 or "-199.99"`,
      );
    }
    return text;
  },
  schema: () => ({
    oneOf: [{ type: "number" }, {
      type: "string",
      pattern: "^-?\\d+(\\.\\d+)?$",
    }],
  }),
};

const duration = (max: number) => int(0, max);

const CHANGE_FIELDS = {
  windowMs: {
    type: int(60_000, 31 * 86_400_000),
    description:
      "The window the change is measured over, ms (the figure now against the figure this long ago, or at the period's start when that is later)",
  },
  above: {
    type: majorAmount,
    optional: true,
    description:
      "Fires when the change is above this (an amount, or percent with percent)",
  },
  below: {
    type: majorAmount,
    optional: true,
    description: "Fires when the change is below this (negative for a drop)",
  },
  percent: {
    type: bool(),
    default: false,
    description:
      "above and below are percentages of the figure at the window's start",
  },
} satisfies Fields;

/** The fields of one rule in `alerts`. */
export const RULE_FIELDS = {
  id: {
    type: str({
      pattern: /^[a-z0-9][a-z0-9_-]{0,62}$/,
      words: "an id of lowercase letters, digits, - and _",
    }),
    description: "Unique id of the rule (in notifications and /api/alerts)",
  },
  figure: {
    type: oneOf(ALERT_FIGURES),
    optional: true,
    description: "A P&L total to watch, in the period given; or use source",
  },
  source: {
    type: str({ maxLength: 64, words: "a source id" }),
    optional: true,
    description:
      "A source to watch: its figure (in the period given, for a flow) or, with status, its status",
  },
  period: {
    type: oneOf(PERIOD_NAMES),
    default: "today" as PeriodName,
    description: "The reporting period of the figure",
  },
  above: {
    type: majorAmount,
    optional: true,
    description:
      "Fires when the figure is above this, in major units of the board's currency",
  },
  below: {
    type: majorAmount,
    optional: true,
    description: "Fires when the figure is below this (negative allowed)",
  },
  change: {
    type: nested(CHANGE_FIELDS),
    optional: true,
    description:
      "Fires when the figure changed by more than this over a window",
  },
  status: {
    type: listOf(oneOf(WATCHED_STATUSES), 4),
    optional: true,
    description: "Fires while the source's status is one of these",
  },
  forMs: {
    type: duration(7 * 86_400_000),
    default: 0,
    description:
      "How long the condition must hold before the alert fires, and be false before it resolves, ms",
  },
  repeatMs: {
    type: duration(30 * 86_400_000),
    default: 14_400_000,
    description: "Reminder interval while firing, ms (0: none)",
  },
  severity: {
    type: oneOf(["info", "warning", "critical"] as const),
    default: "warning" as Severity,
    description: "How loud: info, warning or critical",
  },
  notify: {
    type: listOf(str({ maxLength: 64, words: "a channel id" }), 10),
    default: [] as string[],
    description:
      "Channels to notify (ids from channels); none: shown on the board only",
  },
  description: {
    type: str({ maxLength: 300, words: "a sentence of up to 300 characters" }),
    optional: true,
    description: "What the alert means, for the people it reaches",
  },
} satisfies Fields;

/**
 * Validates one rule.
 *
 * @param raw The rule as written.
 * @param path Where it is (`alerts[2]`).
 * @param options The board's currency, the source and channel ids.
 * @returns The rule.
 * @throws {SpecError} For the first problem, located precisely.
 */
export function parseRule(
  raw: unknown,
  path: string,
  options: {
    currency: string;
    sourceIds: readonly string[];
    channelIds: string[];
  },
): AlertRule {
  const r = parseObject(raw, RULE_FIELDS, path);
  const at = `${path} ("${r.id}")`;
  if ((r.figure === undefined) === (r.source === undefined)) {
    throw new SpecError(
      path,
      `${at}: give either "figure" (net, revenue, expenses or trading) or "source" (a source id), not ${
        r.figure === undefined ? "neither" : "both"
      }`,
    );
  }
  if (r.source !== undefined && !options.sourceIds.includes(r.source)) {
    throw new SpecError(
      `${path}.source`,
      `${at}.source: no source has the id "${r.source}"; the sources are ${
        options.sourceIds.map((s) => `"${s}"`).join(", ")
      }`,
    );
  }
  checkNotify(r.notify, path, at, options.channelIds);
  const kinds = [
    r.above !== undefined || r.below !== undefined ? "above/below" : "",
    r.change ? "change" : "",
    r.status ? "status" : "",
  ].filter(Boolean);
  if (kinds.length !== 1) {
    throw new SpecError(
      path,
      `${at}: give one condition: "above" and/or "below" (a threshold), "change" or "status"; found ${
        kinds.length ? kinds.join(" and ") : "none"
      }`,
    );
  }
  if (r.status && r.source === undefined) {
    throw new SpecError(
      `${path}.status`,
      `${at}.status: a status condition watches a source; add "source"`,
    );
  }
  const minor = (text: string, field: string) => {
    try {
      const decimal = parseDecimal(text);
      const exponent = currencyExponent(options.currency);
      if (decimal.scale > exponent) {
        throw new MoneyError(
          `"${text}" has more decimals than ${options.currency} has (${exponent}); give at most ${exponent}, such as ${
            exponent ? `12.${"5".repeat(exponent)}` : "12"
          }`,
        );
      }
      return toMinorUnits(decimal, "major", options.currency);
    } catch (cause) {
      if (!(cause instanceof MoneyError)) throw cause;
      throw new SpecError(
        `${path}.${field}`,
        `${at}.${field}: ${cause.message}`,
      );
    }
  };
  let condition: AlertCondition;
  if (r.change) {
    const c = r.change;
    if (c.above === undefined && c.below === undefined) {
      throw new SpecError(
        `${path}.change`,
        `${at}.change: give "above" (a rise) and/or "below" (a drop, negative)`,
      );
    }
    const value = (text: string | undefined, field: string) =>
      text === undefined
        ? undefined
        : c.percent
        ? Number(text)
        : minor(text, `change.${field}`);
    condition = {
      kind: "change",
      windowMs: c.windowMs,
      percent: c.percent,
      ...(c.above !== undefined ? { above: value(c.above, "above") } : {}),
      ...(c.below !== undefined ? { below: value(c.below, "below") } : {}),
    };
  } else if (r.status) {
    condition = { kind: "status", statuses: r.status };
  } else {
    condition = {
      kind: "threshold",
      ...(r.above !== undefined ? { aboveMinor: minor(r.above, "above") } : {}),
      ...(r.below !== undefined ? { belowMinor: minor(r.below, "below") } : {}),
    };
  }
  return {
    id: r.id,
    ...(r.figure ? { figure: r.figure } : {}),
    ...(r.source ? { source: r.source } : {}),
    period: r.period,
    condition,
    forMs: r.forMs,
    repeatMs: r.repeatMs,
    severity: r.severity,
    notify: r.notify,
    ...(r.description ? { description: r.description } : {}),
  };
}

/**
 * Checks that every channel a rule or digest notifies is declared.
 *
 * @param notify The channel ids it names.
 * @param path Where it is (`alerts[2]`).
 * @param at How messages name it (`alerts[2] ("net-low")`).
 * @param channelIds The declared channels.
 * @throws {SpecError} At the first unknown id, listing the channels.
 */
export function checkNotify(
  notify: readonly string[],
  path: string,
  at: string,
  channelIds: readonly string[],
): void {
  for (const [i, channel] of notify.entries()) {
    if (!channelIds.includes(channel)) {
      throw new SpecError(
        `${path}.notify[${i}]`,
        `${at}.notify[${i}]: no channel has the id "${channel}"; ${
          channelIds.length
            ? `the channels are ${channelIds.map((c) => `"${c}"`).join(", ")}`
            : "declare it under channels"
        }`,
      );
    }
  }
}

/** A rule's parsed fields (for tests of the declarations). */
export type RuleFields = Parsed<typeof RULE_FIELDS>;
