/**
 * `POST /api/admin/sources/:id/read` and `.../reset-breaker`, and
 * `POST /api/admin/connections/:id/disconnect`: the operator console's
 * actions (read a source now, past its interval and the cache; close its
 * breaker by hand, carried out by the instance that polls; close one
 * client's connection on this instance). Operators only, refused when
 * cross-site (a page elsewhere cannot make an operator's browser act),
 * and each one written to the log with who asked.
 */
import type { Context } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import type { OriginPolicy } from "@/lib/http/mod.ts";
import { crossSite, principalOf } from "../auth.ts";
import { clientIp } from "../limits.ts";
import type { AppDeps } from "../deps.ts";

const SOURCE_ACTIONS = { read: "read", "reset-breaker": "reset" } as const;

/** Builds the handler. */
export function adminActionRoute(
  deps: AppDeps,
  origins: OriginPolicy,
): (c: Context) => Response {
  return function adminAction(c: Context): Response {
    const principal = principalOf(c);
    if (principal?.role === "viewer") {
      throw new HttpError(
        403,
        "forbidden",
        "a viewer link reads the board; console actions need an operator's token",
      );
    }
    if (crossSite(c, origins)) {
      throw new HttpError(
        403,
        "forbidden",
        "a console action must come from this server's own pages (the request was cross-site)",
      );
    }
    const id = c.req.param("id") ?? "";
    const name = c.req.param("action") ?? "";
    const kind = c.req.param("kind");
    if (kind === "connections" && name === "disconnect") {
      if (!deps.disconnect?.(id)) {
        throw new HttpError(
          404,
          "bad_request",
          `no open connection has the id "${id}" on this instance`,
        );
      }
    } else if (kind === "sources" && Object.hasOwn(SOURCE_ACTIONS, name)) {
      const action = SOURCE_ACTIONS[name as keyof typeof SOURCE_ACTIONS];
      if (!deps.adminAction?.({ action, source: id })) {
        throw new HttpError(404, "bad_request", `no source has the id "${id}"`);
      }
    } else {
      throw new HttpError(
        404,
        "bad_request",
        `unknown action "${kind}/${name}"; the actions are sources/:id/read, sources/:id/reset-breaker and connections/:id/disconnect`,
      );
    }
    deps.log.info("admin action", {
      action: name,
      [kind === "connections" ? "connection" : "source"]: id,
      by: principal?.tokenId
        ? `token ${principal.tokenId}`
        : principal?.via ?? "open",
      from: clientIp(c),
    });
    return Response.json({
      accepted: true,
      action: name,
      [kind === "connections" ? "connection" : "source"]: id,
    }, {
      status: 202,
      headers: { "cache-control": "no-store" },
    });
  };
}
