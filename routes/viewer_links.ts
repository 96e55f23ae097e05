/**
 * Read-only viewer links: `POST /api/viewer-links` for operators, and
 * `GET /view?link=...` that signs the link's holder in as a viewer, over
 * `lib/security`'s Authenticator.
 */
import type { Context } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import { SESSION_COOKIE } from "@/lib/security/mod.ts";
import { LOGIN_PAGE, principalOf } from "./auth.ts";
import type { AppDeps } from "./deps.ts";
import { isHttps } from "./limits.ts";

/**
 * `POST /api/viewer-links` (operators): a read-only link to the board,
 * `{"hours": 24}` by default, at most 30 days. Answers
 * `{"url","expiresAt"}`; the URL signs its holder in as a viewer.
 */
export function viewerLinkRoute(
  deps: AppDeps,
): (c: Context) => Promise<Response> {
  return async function viewerLink(c: Context): Promise<Response> {
    const principal = principalOf(c);
    if (!deps.auth.enabled || !principal) {
      throw new HttpError(
        400,
        "bad_request",
        "viewer links need authentication on (PULSE_TOKENS); an open board needs no link",
      );
    }
    const body = await c.req.json().catch(() => ({})) as { hours?: unknown };
    const hours = body.hours ?? 24;
    if (typeof hours !== "number" || !(hours > 0 && hours <= 720)) {
      throw new HttpError(
        400,
        "bad_request",
        `hours must be a number from 0 to 720 (30 days), received ${
          JSON.stringify(hours)
        }`,
      );
    }
    const { link, expiresAt } = await deps.auth.issueViewerLink(
      principal,
      Math.max(60_000, Math.round(hours * 3_600_000)),
    );
    return Response.json({
      url: `/view?link=${encodeURIComponent(link)}`,
      expiresAt: new Date(expiresAt).toISOString(),
    }, { headers: { "cache-control": "no-store" } });
  };
}

/**
 * `GET /view?link=...`: signs the holder of a viewer link in as a viewer
 * (a session cookie that ends with the link) and opens the board; an
 * expired or revoked link gets the sign-in page with the reason.
 */
export function viewRoute(deps: AppDeps): (c: Context) => Promise<Response> {
  return async function view(c: Context): Promise<Response> {
    const session = deps.auth.enabled
      ? await deps.auth.redeemViewerLink(c.req.query("link") ?? "")
      : undefined;
    if (!session) {
      return c.html(
        LOGIN_PAGE(
          "This viewer link has expired or was revoked; ask for a new one.",
        ),
        401,
        { "cache-control": "no-store" },
      );
    }
    const secure = isHttps(c) ? "; Secure" : "";
    return new Response(null, {
      status: 303,
      headers: {
        location: "/",
        "set-cookie":
          `${SESSION_COOKIE}=${session.value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${session.maxAgeS}${secure}`,
        "cache-control": "no-store",
      },
    });
  };
}
