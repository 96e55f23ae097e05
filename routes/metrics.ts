/**
 * `GET /metrics`: Prometheus text exposition from `lib/metrics`.
 */
import type { Context } from "hono";
import type { AppDeps } from "./deps.ts";

/** Builds the metrics handler. */
export function metricsRoute(deps: AppDeps): (c: Context) => Response {
  return function metrics(_c: Context): Response {
    return new Response(deps.metrics.render(), {
      headers: {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  };
}
