/**
 * `GET /api/transactions?topic=pnl&period=P&(figure=F|source=ID)&limit=N&cursor=C`:
 * the movements behind a figure in a period (a total's, or one flow
 * source's), newest first and paged, from the flows' ledgers through
 * `lib/aggregate`'s figureMovements, each with its time, amount, words
 * and a link to the vendor's page where there is one.
 */
import type { Context } from "hono";
import { ProtocolError, StateCalendar } from "@/lib/protocol/mod.ts";
import { FIGURE_NAMES, MovementCursorError } from "@/lib/aggregate/mod.ts";
import { isoTime, PERIOD_NAMES } from "@/lib/time/mod.ts";
import { HttpError } from "@/lib/http/mod.ts";
import type { KeyedRateLimiter } from "@/lib/resilience/mod.ts";
import type { AppDeps } from "../deps.ts";
import { parseLimit, pnlStateOf, takeQuery } from "./pnl_query.ts";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** Builds the transactions handler (rate-limited with history's limiter). */
export function transactionsRoute(
  deps: AppDeps,
  limiter: KeyedRateLimiter,
): (c: Context) => Response {
  const calendars = new StateCalendar();
  return function transactions(c: Context): Response {
    takeQuery(deps, limiter, c);
    const state = pnlStateOf(deps, c, "transactions");
    const topic = "pnl";
    const period = oneOf(c.req.query("period"), PERIOD_NAMES, "period") ??
      "today";
    const source = c.req.query("source");
    const figure = oneOf(c.req.query("figure"), FIGURE_NAMES, "figure");
    if (source !== undefined && figure !== undefined) {
      throw new ProtocolError(
        "bad_request",
        "give figure or source, not both",
      );
    }
    if (source !== undefined) {
      const s = state.sources[source];
      if (!s || s.nature === "stock") {
        const flows = Object.entries(state.sources)
          .filter(([, v]) => v.nature !== "stock").map(([id]) => id);
        throw new HttpError(
          404,
          "bad_request",
          `no flow source ${
            JSON.stringify(source.slice(0, 64))
          } on this board (a balance has no transactions); its flows are ${
            flows.length ? flows.join(", ") : "none yet"
          }`,
        );
      }
    }
    const limit = parseLimit(c.req.query("limit"), MAX_LIMIT, DEFAULT_LIMIT);
    if (!deps.movements) {
      throw new ProtocolError(
        "unavailable",
        "transactions are not listed by this server",
      );
    }
    const now = deps.clock.now();
    const from = calendars.start(state, period);
    const window = { from, to: now + 1 };
    let page;
    try {
      page = deps.movements({
        ...(source !== undefined ? { source } : { figure: figure ?? "net" }),
        window,
        limit,
        ...(c.req.query("cursor") !== undefined
          ? { cursor: c.req.query("cursor")! }
          : {}),
      });
    } catch (error) {
      if (error instanceof MovementCursorError) {
        throw new ProtocolError("bad_request", error.message);
      }
      throw error;
    }
    return Response.json({
      topic,
      period,
      ...(source !== undefined ? { source } : { figure: figure ?? "net" }),
      from: isoTime(window.from),
      to: isoTime(now),
      currency: state.currency,
      totalMinor: page.totalMinor,
      count: page.count,
      complete: page.complete,
      missing: page.missing,
      transactions: page.items.map((m) => ({ ...m, at: isoTime(m.at) })),
      next: page.next ?? null,
    }, { headers: { "cache-control": "no-store" } });
  };
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  name: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ProtocolError(
      "bad_request",
      `${name} must be one of ${allowed.join(", ")}, received ${
        JSON.stringify(value.slice(0, 40))
      }`,
    );
  }
  return value as T;
}
