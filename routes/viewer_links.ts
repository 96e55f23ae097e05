/**
 * Share links: `POST /api/viewer-links` makes one (operators),
 * `GET /api/viewer-links` lists them with their last use,
 * `DELETE /api/viewer-links/:id` revokes one alone, and
 * `GET /view?link=...` signs the link's holder in as a viewer and opens
 * the board where the link says (a wall screen's `?kiosk`, a period), over
 * `lib/security`'s Authenticator and ViewerLinks.
 */
import type { Context } from "hono";
import { HttpError, type OriginPolicy } from "@/lib/http/mod.ts";
import {
  SESSION_COOKIE,
  ViewerLinkError,
  type ViewerLinkRecord,
} from "@/lib/security/mod.ts";
import { isoTime, PERIOD_NAMES } from "@/lib/time/mod.ts";
import { crossSite, principalOf } from "./auth.ts";
import { LOGIN_PAGE } from "./auth_pages.ts";
import type { AppDeps } from "./deps.ts";
import { isHttps } from "./limits.ts";

/** The longest lifetime asked in hours (366 days). */
const MAX_HOURS = 366 * 24;

/**
 * `POST /api/viewer-links` (operators): a named read-only link to the
 * board, `{"name": "Office TV", "hours": 24 | "never", "kiosk": true,
 * "period": "mtd"}` (24 hours, no kiosk, today by default; at most 366
 * days, or never ending). Answers the link's record with its `url`.
 */
export function viewerLinkRoute(
  deps: AppDeps,
  origins: OriginPolicy,
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
    notCrossSite(c, origins);
    const body = await c.req.json().catch(() => ({})) as Record<
      string,
      unknown
    >;
    const hours = body.hours ?? 24;
    if (
      hours !== "never" &&
      (typeof hours !== "number" || !(hours > 0 && hours <= MAX_HOURS))
    ) {
      throw new HttpError(
        400,
        "bad_request",
        `hours must be a number above 0 and at most ${MAX_HOURS} (366 days), or "never"; received ${
          JSON.stringify(hours)?.slice(0, 40)
        }`,
      );
    }
    const name = body.name ?? "Viewer link";
    if (typeof name !== "string") {
      throw new HttpError(400, "bad_request", "name must be text");
    }
    const period = body.period;
    if (
      period !== undefined &&
      !(PERIOD_NAMES as readonly unknown[]).includes(period)
    ) {
      throw new HttpError(
        400,
        "bad_request",
        `period must be one of ${PERIOD_NAMES.join(", ")}, received ${
          JSON.stringify(period)?.slice(0, 40)
        }`,
      );
    }
    const params = new URLSearchParams();
    if (body.kiosk === true) params.set("kiosk", "");
    if (period !== undefined && period !== "today") {
      params.set("period", period as string);
    }
    const opens = params.size
      ? `/?${params.toString().replace("kiosk=", "kiosk")}`
      : "/";
    const ttlMs = hours === "never"
      ? null
      : Math.max(60_000, Math.round(hours * 3_600_000));
    let record: ViewerLinkRecord | undefined;
    try {
      record = await deps.viewerLinks?.create({
        name,
        ttlMs,
        opens,
        ...(principal.tokenId ? { createdBy: principal.tokenId } : {}),
      });
    } catch (error) {
      if (error instanceof ViewerLinkError) {
        throw new HttpError(400, "bad_request", error.message);
      }
      throw error;
    }
    const { link, expiresAt } = await deps.auth.issueViewerLink(principal, {
      ttlMs,
      opens,
      ...(record ? { id: record.id } : {}),
    });
    return Response.json({
      ...(record ? { id: record.id, name: record.name } : {}),
      url: `/view?link=${encodeURIComponent(link)}`,
      opens,
      expiresAt: expiresAt === null ? null : isoTime(expiresAt),
    }, { status: 201, headers: { "cache-control": "no-store" } });
  };
}

/** `GET /api/viewer-links` (operators): every share link, newest first. */
export function viewerLinksListRoute(
  deps: AppDeps,
): (c: Context) => Promise<Response> {
  return async function viewerLinks(): Promise<Response> {
    const now = deps.clock.now();
    const links = await deps.viewerLinks?.list() ?? [];
    return Response.json({
      links: links.map((l) => ({
        id: l.id,
        name: l.name,
        opens: l.opens,
        createdAt: isoTime(l.createdAt),
        expiresAt: l.expiresAt === null ? null : isoTime(l.expiresAt),
        lastUsedAt: l.lastUsedAt === undefined ? null : isoTime(l.lastUsedAt),
        revokedAt: l.revokedAt === undefined ? null : isoTime(l.revokedAt),
        status: l.revokedAt !== undefined
          ? "revoked"
          : l.expiresAt !== null && l.expiresAt <= now
          ? "expired"
          : "active",
      })),
    }, { headers: { "cache-control": "no-store" } });
  };
}

/**
 * `DELETE /api/viewer-links/:id` (operators): revokes that link alone; it
 * and every screen it signed in stop, the others go on.
 */
export function viewerLinkRevokeRoute(
  deps: AppDeps,
  origins: OriginPolicy,
): (c: Context) => Promise<Response> {
  return async function revoke(c: Context): Promise<Response> {
    notCrossSite(c, origins);
    const id = c.req.param("id") ?? "";
    if (!deps.viewerLinks || !await deps.viewerLinks.revoke(id)) {
      throw new HttpError(
        404,
        "bad_request",
        `no share link has the id "${id.slice(0, 40)}"`,
      );
    }
    return Response.json({ id, revoked: true }, {
      headers: { "cache-control": "no-store" },
    });
  };
}

/**
 * `GET /view?link=...`: signs the holder of a viewer link in as a viewer
 * (a session cookie that ends with the link) and opens the board where
 * the link says; an expired or revoked link gets the sign-in page with the
 * reason.
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
    // Only a path on this board, never elsewhere.
    const opens = /^\/(\?[\w=&%-]*)?$/.test(session.opens ?? "")
      ? session.opens!
      : "/";
    return new Response(null, {
      status: 303,
      headers: {
        location: opens,
        "set-cookie":
          `${SESSION_COOKIE}=${session.value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${session.maxAgeS}${secure}`,
        "cache-control": "no-store",
      },
    });
  };
}

function notCrossSite(c: Context, origins: OriginPolicy): void {
  if (crossSite(c, origins)) {
    throw new HttpError(
      403,
      "forbidden",
      "share links are made and revoked from this server's own pages (the request was cross-site)",
    );
  }
}
