/**
 * Anthropic API costs from the Admin API cost report: today's spend (UTC
 * day) or month-to-date. `amount` is a decimal string in cents with
 * fractions; amounts are summed exactly and rounded to cents once. The
 * final days (all but the last three) are read once as a resumable paged
 * sync (`paged_sync.ts`) and kept; the last three are read again on every
 * poll, as Anthropic may still revise them. Over 350 lines: the kind's
 * fields, the sync of final days, the page parsing and the mapping of UTC
 * days onto the board's periods share the days kept; the page parsing is
 * the seam to split along.
 *
 * @module
 */
import {
  type Decimal,
  parseDecimal,
  sumDecimals,
  toMinorUnits,
} from "../../money.ts";
import { defineKind, readSecret } from "../kind.ts";
import type {
  FlowHistory,
  PeriodAmounts,
  ReadContext,
  Reading,
  Source,
  SyncProgress,
  UpstreamRequest,
} from "../source.ts";
import { PagedSync, type SyncPage } from "../paged_sync.ts";
import { costDayMovements } from "./anthropic_movements.ts";
import type { SyncStore } from "../sync_store.ts";
import { PERIOD_NAMES, type PeriodName } from "../../time/mod.ts";
import { envName, httpUrl, int, oneOf, str } from "../../spec/mod.ts";
import {
  arrayField,
  fetchJson,
  field,
  UpstreamDataError,
} from "../upstream_http.ts";

const fields = {
  keyEnv: {
    type: envName,
    description:
      "Environment variable holding an Admin API key (sk-ant-admin...); ordinary API keys are refused by Anthropic",
  },
  baseUrl: {
    type: httpUrl,
    default: "https://api.anthropic.com",
    description: "API base URL (for a proxy or a local mock)",
  },
  period: {
    type: oneOf(["day", "month"] as const),
    default: "day" as "day" | "month",
    description:
      "Kept for older files: the board shows every reporting period from the day buckets; this picks the amount only when the source is read without periods (today's UTC day or month to date)",
  },
  anthropicVersion: {
    type: str({
      pattern: /^\d{4}-\d{2}-\d{2}$/,
      words: 'a date such as "2023-06-01"',
    }),
    default: "2023-06-01",
    description: "The anthropic-version header",
  },
  pageSize: {
    type: int(1, 31),
    default: 31,
    description: "Day buckets per page",
  },
  maxPages: {
    type: int(1, 1000),
    default: 40,
    description:
      "Most pages of one pass through the report; a next_page that never ends is an error after this",
  },
  pagesPerRead: {
    type: int(1, 10_000),
    default: 25,
    description:
      "Pages read per read: a longer first sync shows what it has so far, marked syncing with an estimate of the pages left, and goes on at once",
  },
};

function errorText(_status: number, body: unknown): string {
  const e = (body as { error?: { type?: unknown; message?: unknown } })?.error;
  if (e && typeof e === "object") {
    return [e.type, e.message].filter((p) => typeof p === "string").join(": ");
  }
  return "";
}

/** The `anthropic-costs` source kind. */
export const anthropicCostsKind = defineKind({
  kind: "anthropic-costs",
  description:
    "Anthropic API spend from the Admin API cost report: today (UTC) or month-to-date",
  fields,
  defaultIntervalMs: 60_000,
  defaultRequestsPerSecond: 5,
  fixedCurrency: "USD",
  create(common, settings, deps): Promise<Source> {
    const key = readSecret(deps, settings.keyEnv, `${common.path}.keyEnv`);
    return Promise.resolve(
      new AnthropicCostsSource({
        id: common.id,
        role: common.role,
        key,
        ...settings,
        clock: deps.clock,
        fetch: deps.fetch,
        timeZone: deps.calendar?.timeZone,
        ...(deps.sync ? { sync: deps.sync } : {}),
      }),
    );
  },
});

/** Options for {@linkcode AnthropicCostsSource}. */
export interface AnthropicCostsOptions {
  /** Source id. */
  id: string;
  /** How the amount enters the P&L. */
  role: Reading["role"];
  /** Admin API key. */
  key: string;
  /** API base URL. */
  baseUrl: string;
  /** Today or month-to-date. */
  period: "day" | "month";
  /** The anthropic-version header. */
  anthropicVersion: string;
  /** Buckets per page. */
  pageSize: number;
  /** Most pages of one pass through the report. */
  maxPages: number;
  /**
   * Pages read per read; a longer sync returns what it has, marked
   * syncing, and goes on at once.
   * @default {25}
   */
  pagesPerRead?: number;
  /** Where the sync is kept page by page; absent: in memory only. */
  sync?: SyncStore;
  /** Time source (which day and month it is). */
  clock: { now(): number };
  /**
   * The board's time zone: a UTC day counts on its day of the same date.
   * @default {"UTC"}
   */
  timeZone?: string;
  /** The fetch to use. */
  fetch?: typeof fetch;
}

/**
 * Reads an organization's API costs as UTC-day buckets, kept by day: the
 * final days back to the start of the previous year (for every period's
 * comparison) are synced once, page by page, and the last three days
 * (costs are finalized a little late) are read again on every poll. A UTC
 * day's cost counts on the board's day of the same date (at its first
 * instant), so today's costs are on today in every zone.
 */
export class AnthropicCostsSource implements Source {
  readonly kind = "anthropic-costs";
  readonly nature = "flow";
  /** Each page is its own guarded request (see UpstreamRequest). */
  readonly pagesItself = true;
  readonly id: string;
  readonly role: Reading["role"];
  #o: AnthropicCostsOptions;
  /** Each final UTC day's cost by the day's start (epoch ms), in exact cents. */
  #days = new Map<number, Decimal>();
  #sync?: PagedSync;
  /** The days kept, by the board's days, as of the last full read. */
  #flows?: FlowHistory;

  /** Costs by the board's day they count on, once a first sync is done. */
  flows(): FlowHistory | undefined {
    return this.#flows;
  }

  /** Creates the source. */
  constructor(options: AnthropicCostsOptions) {
    this.id = options.id;
    this.role = options.role;
    this.#o = options;
  }

  /**
   * Syncs the final days not yet read (as far as the read's page budget
   * goes), reads the last three again, then sums them.
   */
  async read(
    signal?: AbortSignal,
    context?: ReadContext,
    request?: UpstreamRequest,
  ): Promise<Reading> {
    const call = <T>(fn: (s?: AbortSignal) => Promise<T>) =>
      request ? request("Anthropic cost report", fn) : fn(signal);
    const nowMs = this.#o.clock.now();
    const today = utcDay(nowMs);
    const zone = this.#o.timeZone ?? "UTC";
    // As far back as any period's comparison reaches, in the board's dates.
    const needFrom = context
      ? utcDay(dateAsUtc(context.periods.ytd.previous.from, zone))
      : Date.UTC(
        new Date(nowMs).getUTCFullYear(),
        new Date(nowMs).getUTCMonth(),
        1,
      );
    // Days before this are final: read once and kept.
    const finalBefore = today - 2 * DAY;
    const sync = this.#syncFrom(needFrom);
    const taken = await sync.start();
    if (taken) {
      this.#days = new Map(
        taken.map((m) => [m.at, parseDecimal(m.data ?? "0")]),
      );
    }
    const done = await sync.run({
      name: "days",
      begin: (watermark) => {
        const from = watermark === undefined ? needFrom : watermark + DAY;
        return from < finalBefore
          ? { starting_at: iso(from), ending_at: iso(finalBefore) }
          : undefined;
      },
      estimate: (query) =>
        Math.ceil(
          (Date.parse(query.ending_at!) - Date.parse(query.starting_at!)) /
            DAY / this.#o.pageSize,
        ),
      page: async (query, cursor) => {
        const page = await this.#page(query, cursor, call);
        return {
          movements: [...page.days].map(([day, amount]) => ({
            ref: `d:${iso(day)}`,
            at: day,
            amount: toMinorUnits(amount, "minor", "USD"),
            data: decimalText(amount),
          })),
          ...(page.next !== undefined
            ? { next: page.next }
            : { reached: finalBefore - DAY }),
        } satisfies SyncPage;
      },
    }, (movements) => {
      for (const m of movements) {
        this.#days.set(m.at, parseDecimal(m.data ?? "0"));
      }
    });
    const days = new Map(this.#days);
    let syncing: SyncProgress | undefined;
    if (done) {
      // The last three days again: Anthropic may still revise them.
      for (const [d, amount] of await this.#range(finalBefore, today, call)) {
        days.set(d, amount);
      }
      await sync.finish();
    } else {
      syncing = sync.progress;
    }
    return this.#reading(days, nowMs, context, syncing);
  }

  /** The sync for a start day (a new start is a new sync). */
  #syncFrom(needFrom: number): PagedSync {
    const key = JSON.stringify({ from: iso(needFrom) });
    if (this.#sync && this.#syncKey === key) return this.#sync;
    this.#syncKey = key;
    this.#days = new Map();
    return this.#sync = new PagedSync({
      source: this.id,
      key,
      maxPages: this.#o.maxPages,
      upstream: "Anthropic",
      ...(this.#o.pagesPerRead ? { pagesPerRead: this.#o.pagesPerRead } : {}),
      ...(this.#o.sync ? { store: this.#o.sync } : {}),
    });
  }
  #syncKey?: string;

  /** The reading from the days kept. */
  #reading(
    days: ReadonlyMap<number, Decimal>,
    nowMs: number,
    context: ReadContext | undefined,
    syncing: SyncProgress | undefined,
  ): Reading {
    const today = utcDay(nowMs);
    const zone = this.#o.timeZone ?? "UTC";
    const sum = (test: (day: number) => boolean) =>
      toMinorUnits(
        sumDecimals([...days].filter(([d]) => test(d)).map(([, a]) => a)),
        "minor",
        "USD",
      );
    const monthStart = Date.UTC(
      new Date(nowMs).getUTCFullYear(),
      new Date(nowMs).getUTCMonth(),
      1,
    );
    const dayMinor = sum((d) => d === today);
    const monthMinor = sum((d) => d >= monthStart && d <= today);
    const reading: Reading = {
      source: this.id,
      role: this.role,
      nature: "flow",
      amountMinor: this.#o.period === "day" ? dayMinor : monthMinor,
      currency: "USD",
      asOf: new Date(nowMs).toISOString(),
      detail: { todayMinor: dayMinor, monthToDateMinor: monthMinor },
      ...(syncing ? { syncing } : {}),
    };
    if (!context) return reading;
    // A UTC day counts at the first instant of the board's day of that date.
    const at = new Map<number, number>();
    for (const d of days.keys()) at.set(d, boardDayStart(d, zone));
    const within = (w: { from: number; to: number }) => (d: number) =>
      at.get(d)! >= w.from && at.get(d)! < w.to;
    this.#flows = syncing ? undefined : {
      currency: "USD",
      sum: (w) => sum(within(w)),
      movements: costDayMovements(
        [...days].map(([d, cents]) => [at.get(d)!, cents, d]),
      ),
    };
    const periods = {} as Record<PeriodName, PeriodAmounts>;
    for (const name of PERIOD_NAMES) {
      const p = context.periods[name];
      periods[name] = {
        amountMinor: sum(within({ from: p.from, to: p.at })),
        previousMinor: sum(within(p.previous)),
      };
    }
    return {
      ...reading,
      amountMinor: periods.today.amountMinor,
      periods,
      periodsAt: new Date(context.periods.today.at).toISOString(),
      detail: {
        todayMinor: periods.today.amountMinor,
        monthToDateMinor: periods.mtd.amountMinor,
      },
    };
  }

  /** Every day bucket from `from` through `last`, paged. */
  async #range(
    from: number,
    last: number,
    call: <T>(fn: (s?: AbortSignal) => Promise<T>) => Promise<T>,
  ): Promise<Map<number, Decimal>> {
    // Tomorrow's start: today's bucket is in whether the API reads
    // ending_at as inclusive or exclusive.
    const query = { starting_at: iso(from), ending_at: iso(last + DAY) };
    const days = new Map<number, Decimal>();
    let cursor: string | undefined;
    for (let n = 0;; n++) {
      if (n === this.#o.maxPages) {
        throw new UpstreamDataError(
          `Anthropic cost report: has_more was still true after ${this.#o.maxPages} pages`,
        );
      }
      const page = await this.#page(query, cursor, call);
      for (const [d, amount] of page.days) days.set(d, amount);
      if (page.next === undefined) return days;
      cursor = page.next;
    }
  }

  /** One page of day buckets: each day's cost, exactly. */
  async #page(
    query: Record<string, string>,
    cursor: string | undefined,
    call: <T>(fn: (s?: AbortSignal) => Promise<T>) => Promise<T>,
  ): Promise<{ days: Map<number, Decimal>; next?: string }> {
    const params = new URLSearchParams({
      ...query,
      bucket_width: "1d",
      limit: String(this.#o.pageSize),
    });
    if (cursor !== undefined) params.set("page", cursor);
    const body = await call((signal) =>
      fetchJson(`${this.#o.baseUrl}/v1/organizations/cost_report?${params}`, {
        upstream: "Anthropic",
        signal,
        fetch: this.#o.fetch,
        headers: {
          "x-api-key": this.#o.key,
          "anthropic-version": this.#o.anthropicVersion,
          "user-agent": "pulseboard",
        },
        errorText,
        // A 429 without retry-after is the spend cap: waiting will not help.
        retryable: (status, headers) =>
          status === 429 && !headers.has("retry-after") ? false : undefined,
      })
    );
    const days = new Map<number, Decimal[]>();
    for (const bucket of arrayField(body, "data", "Anthropic cost report")) {
      const start = field(
        bucket,
        "starting_at",
        "string",
        "Anthropic cost bucket",
      );
      const where = `Anthropic cost bucket ${start}`;
      const day = utcDay(Date.parse(start));
      if (!Number.isFinite(day)) {
        throw new UpstreamDataError(`${where}: starting_at is not a time`);
      }
      const amounts = days.get(day) ?? [];
      days.set(day, amounts);
      for (const item of arrayField(bucket, "results", where)) {
        const currency = field(item, "currency", "string", where);
        if (currency.toUpperCase() !== "USD") {
          throw new UpstreamDataError(
            `${where}: currency ${currency}, expected USD (the only currency the cost report uses)`,
          );
        }
        try {
          amounts.push(parseDecimal(field(item, "amount", "string", where)));
        } catch (cause) {
          if (cause instanceof UpstreamDataError) throw cause;
          throw new UpstreamDataError(`${where}: ${(cause as Error).message}`);
        }
      }
    }
    const more = field(body, "has_more", "boolean", "Anthropic cost report");
    const summed = new Map([...days].map(([d, a]) => [d, sumDecimals(a)]));
    if (!more) return { days: summed };
    return {
      days: summed,
      next: field(body, "next_page", "string", "Anthropic cost report"),
    };
  }
}

/** An instant as Anthropic's RFC 3339 (no milliseconds). */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** A decimal as text that `parseDecimal` reads back exactly. */
function decimalText(d: Decimal): string {
  const negative = d.coefficient < 0n;
  const digits = (negative ? -d.coefficient : d.coefficient).toString()
    .padStart(d.scale + 1, "0");
  const whole = digits.slice(0, digits.length - d.scale);
  const fraction = d.scale > 0 ? `.${digits.slice(-d.scale)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

const DAY = 86_400_000;

/** The start of an instant's UTC day, epoch ms. */
function utcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** An instant's date in a zone, as that date's UTC midnight. */
function dateAsUtc(ms: number, zone: string): number {
  const d = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(
    zone,
  );
  return Date.UTC(d.year, d.month - 1, d.day);
}

/** The first instant, in a zone, of the date a UTC day has. */
function boardDayStart(utcMidnight: number, zone: string): number {
  const d = new Date(utcMidnight);
  return Temporal.PlainDate.from({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
  }).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
}
