/**
 * `GET /api/alerts`: every alert rule with its state (phase, since,
 * episode, last evaluation), what fires now, and the latest deliveries
 * with their outcome (`lib/alerts`' AlertService). Operators only: a
 * viewer sees the firing alerts on the board itself.
 */
import type { Context } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import { principalOf } from "../auth.ts";
import type { AppDeps } from "../deps.ts";

/** Builds the alerts handler. */
export function alertsRoute(
  deps: AppDeps,
): (c: Context) => Promise<Response> {
  return async function alerts(c: Context): Promise<Response> {
    if (principalOf(c)?.role === "viewer") {
      throw new HttpError(
        403,
        "forbidden",
        "a viewer link reads the board; /api/alerts needs an operator's token",
      );
    }
    const body = await deps.alerts?.() ?? { rules: [], deliveries: [] };
    return Response.json(body, {
      headers: { "cache-control": "no-store" },
    });
  };
}
