/**
 * Any JSON endpoint: a URL, headers (secret values from the environment),
 * a JSON Pointer to the amount and its unit, and optionally a pointer to
 * a timestamp and its format.
 *
 * @module
 */
import {
  type AmountUnit,
  readAmount,
  readTimestamp,
  resolvePointer,
  type TimestampFormat,
} from "./amount.ts";
import { defineKind, readSecret, type SourceDeps } from "./kind.ts";
import type { ReadContext, Reading, Source, SourceNature } from "./source.ts";
import { periodQueries } from "./period_windows.ts";
import { isoTime, type TimeWindow } from "../time/mod.ts";
import {
  httpUrl,
  jsonPointer,
  oneOf,
  SpecError,
  str,
  stringMap,
} from "../spec/mod.ts";
import { describeUrl, fetchJson, UpstreamDataError } from "./upstream_http.ts";

const fields = {
  url: {
    type: httpUrl,
    description:
      "The endpoint, fetched with GET; {from} and {to} in it are replaced by each reporting period's start and end (in timestampFormat), for a flow split by period",
  },
  headers: {
    type: stringMap(),
    optional: true,
    description:
      'Request headers; "${NAME}" in a value is replaced by environment variable NAME (so secrets stay out of this file)',
  },
  amountPointer: {
    type: jsonPointer,
    description: 'JSON Pointer to the amount, such as "/data/total"',
  },
  unit: {
    type: oneOf(["minor", "major"] as const),
    description:
      'The amount\'s unit: "minor" (integer cents) or "major" (a decimal in dollars, as a number or a string)',
  },
  timestampPointer: {
    type: jsonPointer,
    optional: true,
    description:
      "JSON Pointer to when the amount was true; the fetch time when absent",
  },
  timestampFormat: {
    type: oneOf(["iso", "unix-s", "unix-ms"] as const),
    default: "iso" as TimestampFormat,
    description: "The timestamp's format, and that of {from} and {to}",
  },
  nature: {
    type: oneOf(["flow", "stock"] as const),
    optional: true,
    description:
      "A flow (money that moved; put {from} and {to} in the URL to split it by period) or a stock (a balance at an instant); a flow by default",
  },
  timeZone: {
    type: str({
      maxLength: 60,
      words: 'an IANA zone such as "America/New_York"',
    }),
    optional: true,
    description: "The zone of ISO timestamps written without Z or an offset",
  },
};

/** `${NAME}` in a header value: environment variable NAME. */
export const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Resolves `${NAME}` placeholders from the environment, at start-up. */
function resolveHeaders(
  headers: Record<string, string> | undefined,
  deps: SourceDeps,
  path: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    out[name] = value.replace(
      PLACEHOLDER,
      (_, env: string) => readSecret(deps, env, `${path}.headers.${name}`),
    );
    try {
      new Headers({ [name]: out[name] as string });
    } catch {
      throw new SpecError(
        `${path}.headers.${name}`,
        `${path}.headers: "${name}" is not a valid header name, or its value holds characters a header cannot`,
      );
    }
  }
  return out;
}

/** The `http-json` source kind. */
export const httpJsonKind = defineKind({
  kind: "http-json",
  description:
    "Any JSON endpoint: the amount (and optionally a timestamp) found by JSON Pointer",
  fields,
  defaultIntervalMs: 30_000,
  create(common, settings, deps): Promise<Source> {
    const bounds = [/\{from\}/.test(settings.url), /\{to\}/.test(settings.url)];
    if (bounds[0] !== bounds[1]) {
      throw new SpecError(
        `${common.path}.url`,
        `${common.path}.url: it has ${bounds[0] ? "{from}" : "{to}"} but not ${
          bounds[0] ? "{to}" : "{from}"
        }; a flow split by period needs both`,
      );
    }
    if (bounds[0] && settings.nature === "stock") {
      throw new SpecError(
        `${common.path}.nature`,
        `${common.path}.nature: a stock is a balance at an instant and takes no {from} or {to}; remove them, or make it a flow`,
      );
    }
    return Promise.resolve(
      new HttpJsonSource({
        id: common.id,
        role: common.role,
        currency: common.currency,
        ...settings,
        headers: resolveHeaders(settings.headers, deps, common.path),
        clock: deps.clock,
        fetch: deps.fetch,
      }),
    );
  },
});

/** Options for {@linkcode HttpJsonSource}. */
export interface HttpJsonOptions {
  /** Source id. */
  id: string;
  /** How the amount enters the P&L. */
  role: Reading["role"];
  /** The amount's currency. */
  currency: string;
  /** The endpoint. */
  url: string;
  /** Request headers, resolved. */
  headers: Record<string, string>;
  /** Pointer to the amount. */
  amountPointer: string;
  /** The amount's unit. */
  unit: AmountUnit;
  /** Pointer to the timestamp. */
  timestampPointer?: string;
  /** The timestamp's format. */
  timestampFormat: TimestampFormat;
  /** Zone of zone-less ISO timestamps. */
  timeZone?: string;
  /** Time source. */
  clock: { now(): number };
  /** The fetch to use. */
  fetch?: typeof fetch;
  /** A flow (the default) or a stock. */
  nature?: SourceNature;
}

/**
 * Reads one figure from a JSON document: once per read, or, for a flow
 * whose URL takes {from} and {to}, once per distinct period span, one
 * request after the other.
 */
export class HttpJsonSource implements Source {
  readonly kind = "http-json";
  readonly id: string;
  readonly role: Reading["role"];
  readonly nature: SourceNature;
  #o: HttpJsonOptions;
  #bounded: boolean;

  /** Creates the source. */
  constructor(options: HttpJsonOptions) {
    this.id = options.id;
    this.role = options.role;
    this.nature = options.nature ?? "flow";
    this.#o = options;
    this.#bounded = options.url.includes("{from}");
  }

  /** Fetches the document (per period span, for a bounded flow). */
  async read(signal?: AbortSignal, context?: ReadContext): Promise<Reading> {
    if (!this.#bounded) {
      return this.#reading(await this.#fetch(this.#o.url, signal));
    }
    if (!context) {
      // No calendar: everything up to now.
      return this.#reading(
        await this.#fetch(
          this.#url({ from: 0, to: this.#o.clock.now() }),
          signal,
        ),
      );
    }
    const plan = periodQueries(context.periods);
    const sums: number[] = [];
    for (const w of plan.windows) {
      sums.push((await this.#fetch(this.#url(w), signal)).amountMinor);
    }
    const periods = plan.assemble(sums);
    const at = isoTime(context.periods.today.at);
    return {
      ...this.#reading({ amountMinor: periods.today.amountMinor, asOf: at }),
      periods,
      periodsAt: at,
    };
  }

  #reading(figure: { amountMinor: number; asOf: string }): Reading {
    return {
      source: this.id,
      role: this.role,
      nature: this.nature,
      amountMinor: figure.amountMinor,
      currency: this.#o.currency,
      asOf: figure.asOf,
    };
  }

  /** The URL with a span's bounds in it. */
  #url(span: TimeWindow): string {
    const bound = (ms: number) =>
      encodeURIComponent(
        this.#o.timestampFormat === "unix-s"
          ? String(Math.floor(ms / 1000))
          : this.#o.timestampFormat === "unix-ms"
          ? String(ms)
          : isoTime(ms).replace(".000Z", "Z"),
      );
    return this.#o.url.replaceAll("{from}", bound(span.from)).replaceAll(
      "{to}",
      bound(span.to),
    );
  }

  async #fetch(
    url: string,
    signal?: AbortSignal,
  ): Promise<{ amountMinor: number; asOf: string }> {
    const o = this.#o;
    const where = describeUrl(url);
    const body = await fetchJson(url, {
      upstream: where.split("/")[0] as string,
      headers: { accept: "application/json", ...o.headers },
      signal,
      fetch: o.fetch,
    });
    const raw = resolvePointer(body, o.amountPointer);
    if (raw === undefined) {
      throw new UpstreamDataError(
        `${where}: nothing at amountPointer "${o.amountPointer}"`,
      );
    }
    const amountMinor = readAmount(
      raw,
      o.unit,
      o.currency,
      `${where} at "${o.amountPointer}"`,
    );
    let asOf = new Date(o.clock.now()).toISOString();
    if (o.timestampPointer !== undefined) {
      asOf = readTimestamp(
        resolvePointer(body, o.timestampPointer),
        o.timestampFormat,
        `${where} at "${o.timestampPointer}"`,
        o.timeZone,
      );
    }
    return { amountMinor, asOf };
  }
}
