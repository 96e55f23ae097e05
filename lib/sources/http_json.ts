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
import type { Reading, Source } from "./source.ts";
import {
  httpUrl,
  jsonPointer,
  oneOf,
  SpecError,
  str,
  stringMap,
} from "./spec.ts";
import { describeUrl, fetchJson, UpstreamDataError } from "./upstream_http.ts";

const fields = {
  url: { type: httpUrl, description: "The endpoint, fetched with GET" },
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
    description: "The timestamp's format",
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

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

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
}

/** Reads one figure from a JSON document. */
export class HttpJsonSource implements Source {
  readonly kind = "http-json";
  readonly id: string;
  readonly role: Reading["role"];
  #o: HttpJsonOptions;

  /** Creates the source. */
  constructor(options: HttpJsonOptions) {
    this.id = options.id;
    this.role = options.role;
    this.#o = options;
  }

  /** Fetches the document and reads the amount. */
  async read(signal?: AbortSignal): Promise<Reading> {
    const o = this.#o;
    const where = describeUrl(o.url);
    const body = await fetchJson(o.url, {
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
    return {
      source: this.id,
      role: this.role,
      amountMinor,
      currency: o.currency,
      asOf,
    };
  }
}
