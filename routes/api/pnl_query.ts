/**
 * What the P&L's read-only queries (`/api/history`, `/api/transactions`,
 * `/api/projection`) check alike: each client address's share of them,
 * the topic (only `pnl` has figures to query), and `limit`.
 */
import type { Context } from "hono";
import {
  isPnlState,
  parseTopic,
  type PnlState,
  ProtocolError,
} from "@/lib/protocol/mod.ts";
import { HttpError } from "@/lib/http/mod.ts";
import type { KeyedRateLimiter } from "@/lib/resilience/mod.ts";
import type { AppDeps } from "../deps.ts";
import { clientIp } from "../limits.ts";

/**
 * Takes one of the client's queries, or refuses with 429 and when to retry.
 *
 * @param deps The configuration (the rate, for the message).
 * @param limiter The per-address limiter the queries share.
 * @param c The request.
 * @throws {HttpError} 429 past the client's rate.
 */
export function takeQuery(
  deps: Pick<AppDeps, "config">,
  limiter: KeyedRateLimiter,
  c: Context,
): void {
  const wait = limiter.take(clientIp(c));
  if (wait <= 0) return;
  const seconds = Math.ceil(wait / 1000);
  throw new HttpError(
    429,
    "rate_limited",
    `at most ${deps.config.historyPerSecond} history, transaction and projection queries a second per client address; retry in ${seconds} s`,
    { headers: { "retry-after": String(seconds) } },
  );
}

/**
 * The `pnl` state a query reads, from `?topic=` (default `pnl`).
 *
 * @param deps The hub.
 * @param c The request.
 * @param what What is asked for, for the message ("transactions").
 * @throws {ProtocolError} `unknown_topic` for any other topic.
 */
export function pnlStateOf(
  deps: Pick<AppDeps, "hub">,
  c: Context,
  what: string,
): PnlState {
  const topic = parseTopic(c.req.query("topic") ?? "pnl");
  const state = deps.hub.has(topic) ? deps.hub.state(topic) : undefined;
  if (topic !== "pnl" || !isPnlState(state)) {
    throw new ProtocolError(
      "unknown_topic",
      `no ${what} for topic ${JSON.stringify(topic)}; they are kept for pnl`,
    );
  }
  return state;
}

/**
 * `?limit=`: a whole number from 1 to `max`, or `fallback` when absent.
 *
 * @throws {ProtocolError} `bad_request` naming what is accepted.
 */
export function parseLimit(
  value: string | undefined,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max)) {
    throw new ProtocolError(
      "bad_request",
      `limit must be an integer from 1 to ${max}, received ${
        JSON.stringify(value.slice(0, 40))
      }`,
    );
  }
  return n;
}
