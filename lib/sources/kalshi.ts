/**
 * Kalshi (Trade API v2): balance, portfolio value and realized P&L of a
 * prediction-market account, every request signed with RSA-PSS.
 *
 * Money arrives mixed: integer cents (`balance`, `portfolio_value`,
 * settlement `revenue`) beside fixed-point dollar strings (`*_dollars`,
 * `fee_cost`). Everything is summed exactly in micro-dollars and rounded
 * to cents once, half to even. Realized P&L by period (settlements, the
 * fills replay and the historical tier) is in `kalshi_realized.ts`. Over
 * 350 lines: the endpoints, key loading and the mixed-unit rules; the
 * resumable paged sync of the [real-accounts] issue takes the paging out
 * into a shared module.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { MoneyError, parseDecimal, toMinorUnits } from "../money.ts";
import { normalizeTimestamp, systemRandom } from "../time/mod.ts";
import { defineKind, readSecret, type SourceDeps } from "./kind.ts";
import {
  importKalshiKey,
  KeyFormatError,
  signKalshiRequest,
} from "./kalshi_signing.ts";
import type {
  LiveFeed,
  ReadContext,
  Reading,
  Source,
  SourceNature,
} from "./source.ts";
import { FlowLedger } from "./flow_ledger.ts";
import { KalshiRealized } from "./kalshi_realized.ts";
import { KalshiLive } from "./kalshi_live.ts";
import { mapPeriods } from "./period_windows.ts";
import { bool, envName, httpUrl, int, oneOf, SpecError, str } from "./spec.ts";
import {
  arrayField,
  fetchJson,
  genericErrorText,
  UpstreamDataError,
} from "./upstream_http.ts";

/** The documented hosts; keys are per environment. */
export const KALSHI_BASE_URLS = Object.freeze({
  prod: "https://external-api.kalshi.com/trade-api/v2",
  demo: "https://external-api.demo.kalshi.co/trade-api/v2",
});

/** The documented WebSocket endpoints, by environment. */
export const KALSHI_WS_URLS = Object.freeze({
  prod: "wss://api.elections.kalshi.com/trade-api/ws/v2",
  demo: "wss://demo-api.kalshi.co/trade-api/ws/v2",
});

/** Which figure becomes the reading's amount. */
export type KalshiFigure =
  | "realized"
  | "balance"
  | "portfolio_value"
  | "equity";

const fields = {
  environment: {
    type: oneOf(["prod", "demo"] as const),
    description:
      "Kalshi environment; keys work only on their own environment's hosts",
  },
  baseUrl: {
    type: httpUrl,
    optional: true,
    description:
      "Overrides the environment's base URL (ending in /trade-api/v2), for a proxy or a local mock",
  },
  keyIdEnv: {
    type: envName,
    description: "Environment variable holding the API key id (a UUID)",
  },
  privateKeyEnv: {
    type: envName,
    optional: true,
    description:
      "Environment variable holding the private key PEM (PKCS#1 or PKCS#8); or use privateKeyFile",
  },
  privateKeyFile: {
    type: str({ words: "a file path" }),
    optional: true,
    description:
      "Path of the private key PEM file, relative to this file; or use privateKeyEnv",
  },
  figure: {
    type: oneOf(["realized", "balance", "portfolio_value", "equity"] as const),
    default: "realized" as KalshiFigure,
    description:
      "The amount: realized P&L (settlements plus closed parts of open positions, net of fees), cash balance, portfolio value, or equity (balance + portfolio value)",
  },
  subaccount: {
    type: int(0, 63),
    default: 0,
    description: "Subaccount number (0 = primary)",
  },
  pageSize: {
    type: int(1, 1000),
    default: 200,
    description: "Items per page for positions and settlements",
  },
  maxPages: {
    type: int(1, 10_000),
    default: 100,
    description:
      "Most pages read per list per poll; a cursor that never ends is an error after this",
  },
  live: {
    type: bool(),
    default: true,
    description:
      "Subscribe to Kalshi's WebSocket (fill and market_positions channels) while this instance polls: a fill makes the source read at once",
  },
  wsUrl: {
    type: str({ maxLength: 500, words: "a ws:// or wss:// URL" }),
    optional: true,
    description:
      "Overrides the WebSocket URL (ending in /trade-api/ws/v2); derived from baseUrl when that is set, else the environment's",
  },
};

const CENT_IN_MICRO = 10_000n;

function micro(text: unknown, where: string, key: string): bigint {
  if (typeof text !== "string") {
    throw new UpstreamDataError(
      `${where}: field "${key}" should be a dollar string, found ${
        JSON.stringify(text)?.slice(0, 40) ?? "nothing"
      }`,
    );
  }
  try {
    const d = parseDecimal(text);
    if (d.scale > 6) {
      throw new MoneyError(`more than 6 decimals in "${text}"`);
    }
    return d.coefficient * 10n ** BigInt(6 - d.scale);
  } catch (cause) {
    throw new UpstreamDataError(
      `${where}: field "${key}": ${(cause as Error).message}`,
    );
  }
}

function cents(value: unknown, where: string, key: string): bigint {
  if (!Number.isSafeInteger(value)) {
    throw new UpstreamDataError(
      `${where}: field "${key}" should be integer cents, found ${
        JSON.stringify(value)?.slice(0, 40) ?? "nothing"
      }`,
    );
  }
  return BigInt(value as number) * CENT_IN_MICRO;
}

/** An RFC 3339 time (or Unix seconds) as epoch ms. */
function timeOf(value: unknown, where: string, key: string): number {
  const ms = typeof value === "string"
    ? Date.parse(value)
    : Number.isSafeInteger(value)
    ? (value as number) * 1000
    : NaN;
  if (!Number.isFinite(ms)) {
    throw new UpstreamDataError(
      `${where}: field "${key}" should be an RFC 3339 time, found ${
        JSON.stringify(value)?.slice(0, 40) ?? "nothing"
      }`,
    );
  }
  return Math.floor(ms);
}

function toCents(microDollars: bigint): number {
  return toMinorUnits(
    { coefficient: microDollars, scale: 6 },
    "major",
    "USD",
  );
}

/** The `kalshi` source kind. */
export const kalshiKind = defineKind({
  kind: "kalshi",
  description:
    "A Kalshi account (Trade API v2): realized P&L, balance, portfolio value or equity, requests signed with RSA-PSS",
  fields,
  defaultIntervalMs: 15_000,
  fixedCurrency: "USD",
  async create(common, settings, deps: SourceDeps): Promise<Source> {
    const keyId = readSecret(
      deps,
      settings.keyIdEnv,
      `${common.path}.keyIdEnv`,
    );
    let pem: string;
    if (settings.privateKeyEnv && settings.privateKeyFile) {
      throw new SpecError(
        common.path,
        `${common.path}: give either "privateKeyEnv" or "privateKeyFile", not both`,
      );
    } else if (settings.privateKeyEnv) {
      pem = readSecret(
        deps,
        settings.privateKeyEnv,
        `${common.path}.privateKeyEnv`,
      );
    } else if (settings.privateKeyFile) {
      const file = resolve(deps.baseDir, settings.privateKeyFile);
      try {
        pem = await readFile(file, "utf8");
      } catch (cause) {
        throw new SpecError(
          `${common.path}.privateKeyFile`,
          `${common.path}.privateKeyFile: cannot read ${file}: ${
            (cause as Error).message
          }`,
        );
      }
    } else {
      throw new SpecError(
        common.path,
        `${common.path}: missing the private key: set "privateKeyEnv" (an environment variable holding the PEM) or "privateKeyFile" (a path)`,
      );
    }
    let key: CryptoKey;
    try {
      key = await importKalshiKey(pem);
    } catch (cause) {
      if (!(cause instanceof KeyFormatError)) throw cause;
      throw new SpecError(
        common.path,
        `${common.path}: ${cause.message}`,
      );
    }
    return new KalshiSource({
      id: common.id,
      role: common.role,
      baseUrl: settings.baseUrl ?? KALSHI_BASE_URLS[settings.environment],
      keyId,
      key,
      figure: settings.figure,
      subaccount: settings.subaccount,
      pageSize: settings.pageSize,
      maxPages: settings.maxPages,
      clock: deps.clock,
      fetch: deps.fetch,
      ...(settings.live
        ? {
          live: new KalshiLive({
            url: settings.wsUrl ??
              (settings.baseUrl
                ? settings.baseUrl.replace(/^http/, "ws").replace(
                  /\/trade-api\/v2$/,
                  "/trade-api/ws/v2",
                )
                : KALSHI_WS_URLS[settings.environment]),
            keyId,
            key,
            clock: deps.clock,
            random: systemRandom,
          }),
        }
        : {}),
    });
  },
});

/** Options for {@linkcode KalshiSource}. */
export interface KalshiSourceOptions {
  /** Source id. */
  id: string;
  /** How the amount enters the P&L. */
  role: Reading["role"];
  /** Base URL ending in `/trade-api/v2`. */
  baseUrl: string;
  /** API key id. */
  keyId: string;
  /** Signing key. */
  key: CryptoKey;
  /** The amount. */
  figure: KalshiFigure;
  /** Subaccount. */
  subaccount: number;
  /** Items per page. */
  pageSize: number;
  /** Most pages per list per read. */
  maxPages: number;
  /** Time source (for the signed timestamp). */
  clock: { now(): number };
  /** The fetch to use. */
  fetch?: typeof fetch;
  /** Kalshi's pushes, when subscribed. */
  live?: LiveFeed;
}

/** Reads one Kalshi account. */
export class KalshiSource implements Source {
  readonly kind = "kalshi";
  readonly id: string;
  readonly role: Reading["role"];
  /** Realized P&L is a flow; the balance, portfolio value and equity are stocks. */
  readonly nature: SourceNature;
  /** Kalshi's pushes (a fill makes the source read at once), when on. */
  readonly live?: LiveFeed;
  #o: KalshiSourceOptions;
  #realized = new KalshiRealized({ micro, cents, timeOf });

  /** Creates the source. */
  constructor(options: KalshiSourceOptions) {
    this.id = options.id;
    this.role = options.role;
    this.nature = options.figure === "realized" ? "flow" : "stock";
    this.#o = options;
    if (options.live) this.live = options.live;
  }

  /** Reads the configured figure (one signed request per page). */
  async read(signal?: AbortSignal, context?: ReadContext): Promise<Reading> {
    const balance = await this.#get("/portfolio/balance", {}, signal);
    const where = "Kalshi balance";
    const balanceMicro = typeof (balance as Record<string, unknown>)
        .balance_dollars === "string"
      ? micro(
        (balance as Record<string, unknown>).balance_dollars,
        where,
        "balance_dollars",
      )
      : cents((balance as Record<string, unknown>).balance, where, "balance");
    const portfolioMicro = cents(
      (balance as Record<string, unknown>).portfolio_value,
      where,
      "portfolio_value",
    );
    // asOf is when this read happened: Kalshi's own `updated_ts` can be
    // hours old on a quiet account and would make a live figure look stale.
    // It is kept beside it.
    const updated = (balance as Record<string, unknown>).updated_ts;
    const asOf = new Date(this.#o.clock.now()).toISOString();
    const detail: Record<string, number | string> = {
      balanceMinor: toCents(balanceMicro),
      portfolioValueMinor: toCents(portfolioMicro),
      ...(Number.isSafeInteger(updated)
        ? {
          balanceUpdatedAt: normalizeTimestamp(updated, { epochUnit: "s" }),
        }
        : {}),
    };
    let amountMicro: bigint;
    let realized = new FlowLedger();
    switch (this.#o.figure) {
      case "balance":
        amountMicro = balanceMicro;
        break;
      case "portfolio_value":
        amountMicro = portfolioMicro;
        break;
      case "equity":
        amountMicro = balanceMicro + portfolioMicro;
        break;
      case "realized": {
        const r = await this.#realized.read({
          list: (path, key, query) => this.#list(path, key, signal, query),
          get: (path) => this.#get(path, {}, signal),
        });
        amountMicro = r.totalMicro;
        realized = r.ledger;
        detail.settlements = r.settlements;
        detail.positions = r.positions;
        detail.fills = r.fills;
        detail.realizedMinor = toCents(r.totalMicro);
        break;
      }
    }
    const reading: Reading = {
      source: this.id,
      role: this.role,
      nature: this.nature,
      amountMinor: toCents(amountMicro),
      currency: "USD",
      asOf,
      detail,
    };
    if (this.nature === "stock" || !context) return reading;
    // Realized P&L by when it was realized, in exact micro-dollars, each
    // period rounded to cents once.
    const periods = mapPeriods(
      realized.periods(context.periods),
      (micro) => toCents(BigInt(micro)),
    );
    return {
      ...reading,
      amountMinor: periods.today.amountMinor,
      periods,
      periodsAt: new Date(context.periods.today.at).toISOString(),
    };
  }

  /** Reads every page of a list (an empty, null or absent cursor ends it). */
  async #list(
    path: string,
    key: string,
    signal?: AbortSignal,
    query: Record<string, string> = {},
  ): Promise<unknown[]> {
    const items: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < this.#o.maxPages; page++) {
      // Kalshi's cursor keeps no filters: every page repeats them.
      const body = await this.#get(path, {
        ...query,
        limit: String(this.#o.pageSize),
        ...(cursor ? { cursor } : {}),
      }, signal);
      items.push(...arrayField(body, key, `Kalshi ${path}`));
      const next = (body as Record<string, unknown>).cursor;
      if (next === undefined || next === null || next === "") return items;
      if (typeof next !== "string") {
        throw new UpstreamDataError(
          `Kalshi ${path}: field "cursor" should be a string, found ${
            JSON.stringify(next).slice(0, 40)
          }`,
        );
      }
      cursor = next;
    }
    throw new UpstreamDataError(
      `Kalshi ${path}: the cursor had not ended after ${this.#o.maxPages} pages (raise maxPages if the account really has that many)`,
    );
  }

  /** One signed GET; signed afresh on every call, so every retry too. */
  async #get(
    path: string,
    query: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const url = new URL(`${this.#o.baseUrl}${path}`);
    url.searchParams.set("subaccount", String(this.#o.subaccount));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const ts = this.#o.clock.now();
    const signature = await signKalshiRequest(
      this.#o.key,
      ts,
      "GET",
      url.pathname,
    );
    return await fetchJson(url, {
      upstream: "Kalshi",
      signal,
      fetch: this.#o.fetch,
      headers: {
        "KALSHI-ACCESS-KEY": this.#o.keyId,
        "KALSHI-ACCESS-TIMESTAMP": String(ts),
        "KALSHI-ACCESS-SIGNATURE": signature,
        accept: "application/json",
      },
      errorText: genericErrorText,
      // A stale timestamp heals with a fresh signature; other 4xx do not.
      retryable: (status, _headers, body) =>
        status === 401 && genericErrorText(status, body).includes("timestamp")
          ? true
          : undefined,
    });
  }
}
