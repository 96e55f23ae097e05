/**
 * `POST /api/admin/sources/:id/read` and `.../reset-breaker`, and
 * `POST /api/admin/connections/:id/disconnect`: the operator console's
 * actions (read a source now, past its interval and the cache; close its
 * breaker by hand, carried out by the instance that polls; close one
 * client's connection on this instance). Operators only, refused when
 * cross-site (a page elsewhere cannot make an operator's browser act),
 * each source action at most once per source every 5 s (a held-down
 * button cannot hammer an upstream or the log), and each one written to
 * the log with who asked.
 */
import type { Context } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import { KeyedRateLimiter } from "@/lib/resilience/mod.ts";
import type { OriginPolicy } from "@/lib/http/mod.ts";
import { crossSite, principalOf } from "../auth.ts";
import { clientIp } from "../limits.ts";
import type { AppDeps } from "../deps.ts";
import type { AlertChange } from "@/lib/alerts/mod.ts";

const SOURCE_ACTIONS = { read: "read", "reset-breaker": "reset" } as const;

/** How often one action may run on one source, ms. */
export const SOURCE_ACTION_SPACING_MS = 5_000;

/** Builds the handler. */
export function adminActionRoute(
  deps: AppDeps,
  origins: OriginPolicy,
): (c: Context) => Promise<Response> {
  // One token per source and action, refilled every SOURCE_ACTION_SPACING_MS.
  const spacing = new KeyedRateLimiter({
    now: () => deps.clock.monotonic(),
    perSecond: 1000 / SOURCE_ACTION_SPACING_MS,
    burst: 1,
    maxKeys: 1_000,
  });
  return async function adminAction(c: Context): Promise<Response> {
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
    if (kind === "alerts" && name === "test") {
      return await alertTest(deps, id, spacing, principal, c);
    }
    if (kind === "alerts" && (name === "silence" || name === "acknowledge")) {
      return await alertChange(deps, id, name, principal, c);
    }
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
      const waitMs = spacing.take(`${action} ${id}`);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        throw new HttpError(
          429,
          "rate_limited",
          `"${name}" runs at most once every ${
            SOURCE_ACTION_SPACING_MS / 1000
          } s per source; it already ran for "${id}", try again in ${seconds} s`,
          { headers: { "retry-after": String(seconds) } },
        );
      }
      if (!deps.adminAction?.({ action, source: id })) {
        throw new HttpError(404, "bad_request", `no source has the id "${id}"`);
      }
    } else {
      throw new HttpError(
        404,
        "bad_request",
        `unknown action "${kind}/${name}"; the actions are sources/:id/read, sources/:id/reset-breaker, connections/:id/disconnect, alerts/:id/test, alerts/:id/silence and alerts/:id/acknowledge`,
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

/**
 * `POST /api/admin/alerts/:id/test`: a test notification through the
 * rule's channels at once, answered with how each channel took it; at most
 * once every 5 s per rule, audited like the other actions.
 */
async function alertTest(
  deps: AppDeps,
  id: string,
  spacing: KeyedRateLimiter,
  principal: ReturnType<typeof principalOf>,
  c: Context,
): Promise<Response> {
  if (!deps.alertTest) {
    throw new HttpError(404, "bad_request", "this board has no alert rules");
  }
  const waitMs = spacing.take(`test ${id}`);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    throw new HttpError(
      429,
      "rate_limited",
      `a test runs at most once every ${
        SOURCE_ACTION_SPACING_MS / 1000
      } s per rule; try again in ${seconds} s`,
      { headers: { "retry-after": String(seconds) } },
    );
  }
  let results;
  try {
    results = await deps.alertTest(id);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new HttpError(404, "bad_request", error.message);
    }
    throw error;
  }
  deps.log.info("admin action", {
    action: "test",
    rule: id,
    by: principal?.tokenId
      ? `token ${principal.tokenId}`
      : principal?.via ?? "open",
    from: clientIp(c),
  });
  return Response.json({ rule: id, results }, {
    headers: { "cache-control": "no-store" },
  });
}

/** The longest silence, minutes (a week). */
const MAX_SILENCE_MINUTES = 7 * 24 * 60;

/**
 * `POST /api/admin/alerts/:id/silence` (`{"minutes": 60}`; 0 lifts it)
 * and `.../acknowledge`: carried out by the instance that leads, kept
 * with the rule's track, audited.
 */
async function alertChange(
  deps: AppDeps,
  id: string,
  action: "silence" | "acknowledge",
  principal: ReturnType<typeof principalOf>,
  c: Context,
): Promise<Response> {
  let change: AlertChange = { acknowledge: true };
  if (action === "silence") {
    const body = await c.req.json().catch(() => ({})) as { minutes?: unknown };
    const minutes = body.minutes;
    if (
      typeof minutes !== "number" || !Number.isInteger(minutes) ||
      minutes < 0 || minutes > MAX_SILENCE_MINUTES
    ) {
      throw new HttpError(
        400,
        "bad_request",
        `minutes must be a whole number from 0 (lift the silence) to ${MAX_SILENCE_MINUTES} (a week), received ${
          JSON.stringify(minutes)?.slice(0, 40)
        }`,
      );
    }
    change = {
      silenceUntilMs: minutes === 0 ? 0 : deps.clock.now() + minutes * 60_000,
    };
  }
  if (!deps.alertChange?.(id, change)) {
    throw new HttpError(404, "bad_request", `no alert rule has the id "${id}"`);
  }
  deps.log.info("admin action", {
    action,
    rule: id,
    ...("silenceUntilMs" in change
      ? { until: new Date(change.silenceUntilMs).toISOString() }
      : {}),
    by: principal?.tokenId
      ? `token ${principal.tokenId}`
      : principal?.via ?? "open",
    from: clientIp(c),
  });
  return Response.json({ accepted: true, action, rule: id }, {
    status: 202,
    headers: { "cache-control": "no-store" },
  });
}
