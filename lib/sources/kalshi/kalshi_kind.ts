/**
 * The `kalshi` kind: its fields in the sources file, the documented hosts,
 * and how a source is built from them (the key id and private key read
 * from the environment or a file, the WebSocket URL derived from the REST
 * one). The reading itself is `kalshi.ts`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { systemRandom } from "../../time/mod.ts";
import { defineKind, readSecret, type SourceDeps } from "../kind.ts";
import { importKalshiKey, KeyFormatError } from "./kalshi_signing.ts";
import { KalshiLive } from "./kalshi_live.ts";
import { type KalshiFigure, KalshiSource } from "./kalshi.ts";
import type { Source } from "../source.ts";
import {
  bool,
  envName,
  httpUrl,
  int,
  oneOf,
  SpecError,
  str,
} from "../../spec/mod.ts";

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
    description:
      "Items per page for settlements, fills and positions (Kalshi allows 1000)",
  },
  maxPages: {
    type: int(1, 100_000),
    default: 1000,
    description:
      "Most pages of one pass through a list; a cursor that never ends is an error after this",
  },
  pagesPerRead: {
    type: int(1, 10_000),
    default: 25,
    description:
      "Pages read per read: a longer first sync (a year of fills) shows what it has so far, marked syncing, and goes on at once, each page its own request, resumed where it stopped",
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

/** The `kalshi` source kind. */
export const kalshiKind = defineKind({
  kind: "kalshi",
  description:
    "A Kalshi account (Trade API v2): realized P&L, balance, portfolio value or equity, requests signed with RSA-PSS",
  fields,
  defaultIntervalMs: 15_000,
  defaultRequestsPerSecond: 10,
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
      pagesPerRead: settings.pagesPerRead,
      clock: deps.clock,
      fetch: deps.fetch,
      ...(deps.sync ? { sync: deps.sync } : {}),
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
