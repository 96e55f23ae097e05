/**
 * `GET /api/health`: liveness with the state of every source, breaker,
 * cache tier, Redis and topic (`lib/health`'s judgeHealth);
 * `GET /api/health?ready` answers 503 unless the server should take
 * traffic, for load balancers. Never needs a credential, and holds no
 * secrets or addresses.
 */
import type { Context } from "hono";
import type { FailureLimiter } from "@/lib/security/mod.ts";
import { credential } from "../auth.ts";
import type { AppDeps } from "../deps.ts";

/** Builds the health handler. */
export function healthRoute(
  deps: AppDeps,
  failures: FailureLimiter,
): (c: Context) => Promise<Response> {
  return async function health(c: Context): Promise<Response> {
    const report = deps.health();
    const ready = c.req.query("ready") !== undefined;
    const status = ready && report.status === "down" ? 503 : 200;
    // With auth on, strangers learn the verdict and nothing else.
    const visible =
      deps.auth.enabled && !(await credential(deps, failures, c, false))
        ? { status: report.status }
        : report;
    return Response.json(visible, {
      status,
      headers: { "cache-control": "no-store" },
    });
  };
}
