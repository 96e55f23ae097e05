/**
 * `GET /api/health`: liveness with the state of every source, breaker,
 * cache tier, Redis and topic (`lib/health`'s judgeHealth);
 * `GET /api/health?ready` answers 503 unless the server should take
 * traffic, for load balancers. Never needs a credential, and holds no
 * secrets or addresses.
 */
import type { Context } from "hono";
import type { AppDeps } from "../deps.ts";

/** Builds the health handler. */
export function healthRoute(deps: AppDeps): (c: Context) => Response {
  return function health(c: Context): Response {
    const report = deps.health();
    const ready = c.req.query("ready") !== undefined;
    const status = ready && report.status === "down" ? 503 : 200;
    return Response.json(report, {
      status,
      headers: { "cache-control": "no-store" },
    });
  };
}
