/**
 * Anthropic API costs from the Admin API cost report: today's spend (UTC
 * day) or month-to-date. `amount` is a decimal string in cents with
 * fractions; amounts are summed exactly and rounded to cents once.
 *
 * @module
 */
import {
  type Decimal,
  parseDecimal,
  sumDecimals,
  toMinorUnits,
} from "../money.ts";
import { defineKind, readSecret } from "./kind.ts";
import type { Reading, Source } from "./source.ts";
import { envName, httpUrl, int, oneOf, str } from "./spec.ts";
import {
  arrayField,
  fetchJson,
  field,
  UpstreamDataError,
} from "./upstream_http.ts";

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
      "The amount: today's cost (UTC day) or month-to-date; both are in the reading's detail",
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
    default: 20,
    description:
      "Most pages read per poll; a next_page that never ends is an error after this",
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
  /** Most pages per read. */
  maxPages: number;
  /** Time source (which day and month it is). */
  clock: { now(): number };
  /** The fetch to use. */
  fetch?: typeof fetch;
}

/** Reads an organization's API costs. */
export class AnthropicCostsSource implements Source {
  readonly kind = "anthropic-costs";
  readonly id: string;
  readonly role: Reading["role"];
  #o: AnthropicCostsOptions;

  /** Creates the source. */
  constructor(options: AnthropicCostsOptions) {
    this.id = options.id;
    this.role = options.role;
    this.#o = options;
  }

  /** Reads the month's day buckets (one pass gives today and the month). */
  async read(signal?: AbortSignal): Promise<Reading> {
    const now = new Date(this.#o.clock.now());
    const day = Date.UTC(
      now.getUTCFullYear(),
      now.getUTCMonth(),
      now.getUTCDate(),
    );
    const month = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const today = new Date(day).toISOString().replace(".000Z", "Z");
    const query = new URLSearchParams({
      starting_at: new Date(month).toISOString().replace(".000Z", "Z"),
      ending_at: new Date(day + 86_400_000).toISOString().replace(".000Z", "Z"),
      bucket_width: "1d",
      limit: String(this.#o.pageSize),
    });
    const todays: Decimal[] = [];
    const all: Decimal[] = [];
    let page: string | undefined;
    for (let n = 0;; n++) {
      if (n === this.#o.maxPages) {
        throw new UpstreamDataError(
          `Anthropic cost report: has_more was still true after ${this.#o.maxPages} pages`,
        );
      }
      const params = new URLSearchParams(query);
      if (page !== undefined) params.set("page", page);
      const body = await fetchJson(
        `${this.#o.baseUrl}/v1/organizations/cost_report?${params}`,
        {
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
        },
      );
      for (const bucket of arrayField(body, "data", "Anthropic cost report")) {
        const start = field(
          bucket,
          "starting_at",
          "string",
          "Anthropic cost bucket",
        );
        const where = `Anthropic cost bucket ${start}`;
        for (const item of arrayField(bucket, "results", where)) {
          const currency = field(item, "currency", "string", where);
          if (currency.toUpperCase() !== "USD") {
            throw new UpstreamDataError(
              `${where}: currency ${currency}, expected USD (the only currency the cost report uses)`,
            );
          }
          let amount: Decimal;
          try {
            amount = parseDecimal(field(item, "amount", "string", where));
          } catch (cause) {
            if (cause instanceof UpstreamDataError) throw cause;
            throw new UpstreamDataError(
              `${where}: ${(cause as Error).message}`,
            );
          }
          all.push(amount);
          if (Date.parse(start) === Date.parse(today)) todays.push(amount);
        }
      }
      const more = field(body, "has_more", "boolean", "Anthropic cost report");
      if (!more) break;
      page = field(body, "next_page", "string", "Anthropic cost report");
    }
    const dayMinor = toMinorUnits(sumDecimals(todays), "minor", "USD");
    const monthMinor = toMinorUnits(sumDecimals(all), "minor", "USD");
    return {
      source: this.id,
      role: this.role,
      amountMinor: this.#o.period === "day" ? dayMinor : monthMinor,
      currency: "USD",
      asOf: now.toISOString(),
      detail: { todayMinor: dayMinor, monthToDateMinor: monthMinor },
    };
  }
}
