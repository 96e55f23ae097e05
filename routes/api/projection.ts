/**
 * `GET /api/projection?topic=pnl&period=mtd|qtd|ytd`: where the period's
 * totals are on pace to end (a run-rate projection, labelled as one),
 * from the period so far and the previous period's shape, through
 * `lib/aggregate`'s projectPeriod over the flows' ledgers.
 */
import type { Context } from "hono";
import { ProtocolError, StateCalendar } from "@/lib/protocol/mod.ts";
import { PROJECTED_PERIODS } from "@/lib/aggregate/mod.ts";
import { isoTime, type PeriodName } from "@/lib/time/mod.ts";
import type { KeyedRateLimiter } from "@/lib/resilience/mod.ts";
import type { AppDeps } from "../deps.ts";
import { pnlStateOf, takeQuery } from "./pnl_query.ts";

/** Builds the projection handler (rate-limited with history's limiter). */
export function projectionRoute(
  deps: AppDeps,
  limiter: KeyedRateLimiter,
): (c: Context) => Response {
  const calendars = new StateCalendar();
  return function projection(c: Context): Response {
    takeQuery(deps, limiter, c);
    const state = pnlStateOf(deps, c, "projection");
    const topic = "pnl";
    const asked = c.req.query("period") ?? "";
    if (!(PROJECTED_PERIODS as readonly string[]).includes(asked)) {
      throw new ProtocolError(
        "bad_request",
        `period must be one of ${
          PROJECTED_PERIODS.join(", ")
        } (a day or a week is too short to project), received ${
          JSON.stringify(asked.slice(0, 40))
        }`,
      );
    }
    const period = asked as PeriodName;
    const now = deps.clock.now();
    const window = calendars.windows(state, now)[period];
    const p = deps.projection?.(window);
    if (!p) {
      throw new ProtocolError(
        "unavailable",
        "no projection: a flow on this board keeps no dated movements (or has not finished its first read), so its part of the period cannot be told",
      );
    }
    return Response.json({
      topic,
      period,
      projection: true,
      at: isoTime(now),
      end: isoTime(p.end),
      currency: state.currency,
      netMinor: p.netMinor,
      revenue: p.revenue,
      expenses: p.expenses,
      trading: p.trading,
    }, { headers: { "cache-control": "no-store" } });
  };
}
