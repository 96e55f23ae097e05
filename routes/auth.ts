/**
 * Authentication at the HTTP boundary, over `lib/security`'s
 * Authenticator: the `/api/*` guard (all but `/api/health`),
 * `POST /api/ticket`, and the `/login` page that sets the HttpOnly session
 * cookie browsers need.
 */
import type { Context, Next } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import { SESSION_COOKIE } from "@/lib/security/mod.ts";
import type { AppDeps } from "./deps.ts";

const TICKET_ROUTES = new Set(["/api/ws", "/api/sse", "/api/poll"]);

function unauthorized(message: string): HttpError {
  return new HttpError(401, "unauthorized", message, {
    headers: { "www-authenticate": 'Bearer realm="pulseboard"' },
  });
}

/** Requires a credential on `/api/*` except `/api/health` and `/api/ticket`. */
export function requireAuth(
  deps: AppDeps,
): (c: Context, next: Next) => Promise<void> {
  return async function guard(c: Context, next: Next): Promise<void> {
    const path = c.req.path;
    if (
      !deps.auth.enabled || path === "/api/health" || path === "/api/ticket" ||
      // Webhook deliveries carry their own proof: an HMAC over the body.
      path.startsWith("/api/ingest/") || c.req.method === "OPTIONS"
    ) {
      return await next();
    }
    const principal = await deps.auth.authenticate(
      c.req.raw,
      TICKET_ROUTES.has(path),
    );
    if (!principal) {
      throw unauthorized(
        "a valid credential is required: Authorization: Bearer <token>, a session cookie from /login, or ?ticket= from POST /api/ticket",
      );
    }
    await next();
  };
}

/** `POST /api/ticket`: a short-lived ticket for one WebSocket or SSE connection. */
export function ticketRoute(deps: AppDeps): (c: Context) => Promise<Response> {
  return async function ticket(c: Context): Promise<Response> {
    const principal = await deps.auth.authenticate(c.req.raw, false);
    if (!principal) {
      throw unauthorized(
        "POST /api/ticket needs a Bearer token or a session cookie",
      );
    }
    const issued = await deps.auth.issueTicket(principal);
    return Response.json({
      ticket: issued.ticket,
      expiresAt: new Date(issued.expiresAt).toISOString(),
    }, {
      headers: { "cache-control": "no-store" },
    });
  };
}

const LOGIN_PAGE = (message: string) =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<meta name="color-scheme" content="light dark"><title>Pulseboard: sign in</title><link rel="stylesheet" href="/static/styles.css"></head>` +
  `<body><main class="board login"><h1>Pulseboard</h1><form method="post" action="/login">` +
  `<label for="token">API token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>` +
  `<button type="submit">Sign in</button>${
    message ? `<p class="stale-banner" role="alert">${message}</p>` : ""
  }</form></main></body></html>`;

/** `GET /login`: the sign-in form. */
export function loginPage(): (c: Context) => Response {
  return (c) => c.html(LOGIN_PAGE(""), 200, { "cache-control": "no-store" });
}

/** `POST /login`: checks the token and sets the session cookie. */
export function loginSubmit(deps: AppDeps): (c: Context) => Promise<Response> {
  return async function login(c: Context): Promise<Response> {
    const form = await c.req.parseBody().catch(
      () => ({} as Record<string, unknown>),
    );
    const token = typeof form.token === "string" ? form.token : "";
    if (!deps.auth.enabled || !(await deps.auth.checkToken(token))) {
      return c.html(LOGIN_PAGE("That token is not valid."), 401, {
        "cache-control": "no-store",
      });
    }
    const session = await deps.auth.issueSession();
    const secure = new URL(c.req.url).protocol === "https:" ? "; Secure" : "";
    return new Response(null, {
      status: 303,
      headers: {
        location: "/",
        "set-cookie":
          `${SESSION_COOKIE}=${session.value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${session.maxAgeS}${secure}`,
        "cache-control": "no-store",
      },
    });
  };
}
