/**
 * Authentication at the HTTP boundary, over `lib/security`'s
 * Authenticator: the `/api/*` guard (all but `/api/health`),
 * `POST /api/ticket`, and the `/login` page that sets the HttpOnly session
 * cookie browsers need.
 *
 * Over 300 lines, one job (who is asking, and may they): the guard, the
 * credential lookup, tickets, sign-in and -out, the cross-site check and a
 * stream's end with its credential; the pages are in `auth_pages.ts`.
 */
import type { Context } from "hono";
import { HttpError, type OriginPolicy } from "@/lib/http/mod.ts";
import {
  type FailureLimiter,
  type Principal,
  SESSION_COOKIE,
} from "@/lib/security/mod.ts";
import { endAtExpiry, type Expirable } from "@/lib/stream/mod.ts";
import type { AppDeps } from "./deps.ts";
import { LOGIN_PAGE } from "./auth_pages.ts";
import { clientIp, isHttps } from "./limits.ts";

const TICKET_ROUTES = new Set(["/api/ws", "/api/sse", "/api/poll"]);

function unauthorized(message: string): HttpError {
  return new HttpError(401, "unauthorized", message, {
    headers: { "www-authenticate": 'Bearer realm="pulseboard"' },
  });
}

/**
 * Seconds a client locked out for failed tokens must still wait; 0 when it
 * may try. Counted in metrics when it must wait.
 */
function lockedOutFor(
  deps: AppDeps,
  failures: FailureLimiter,
  c: Context,
): number {
  const ms = failures.retryAfterMs(clientIp(c));
  if (ms <= 0) return 0;
  deps.onAuthFailure?.("locked_out");
  return Math.ceil(ms / 1000);
}

function tooManyFailures(seconds: number): HttpError {
  return new HttpError(
    429,
    "rate_limited",
    `too many failed tokens from this address; try again in ${seconds} s`,
    { headers: { "retry-after": String(seconds) } },
  );
}

/** Counts a token that did not match (a guess, or a typo). */
function failedToken(
  deps: AppDeps,
  failures: FailureLimiter,
  c: Context,
): void {
  failures.fail(clientIp(c));
  deps.onAuthFailure?.("bad_token");
}

/**
 * The request's credential, with Bearer tokens throttled: an address
 * locked out for failed tokens gets 429 before its token is checked, and
 * a wrong token is counted in the same turn as the check, before any
 * await, so a burst of concurrent guesses is counted one by one. Signed
 * cookies and tickets cannot be guessed, so only tokens count. Every
 * route that looks at a credential goes through here.
 *
 * @throws {HttpError} 429 `rate_limited` with `Retry-After`.
 */
export function credential(
  deps: AppDeps,
  failures: FailureLimiter,
  c: Context,
  allowTicket: boolean,
): Promise<Principal | undefined> {
  if (!deps.auth.enabled) return deps.auth.authenticate(c.req.raw, false);
  const header = c.req.header("authorization");
  if (!header?.startsWith("Bearer ")) {
    return deps.auth.authenticate(c.req.raw, allowTicket);
  }
  const wait = lockedOutFor(deps, failures, c);
  if (wait > 0) return Promise.reject(tooManyFailures(wait));
  const token = header.slice(7).trim();
  if (deps.auth.checkToken(token)) {
    return Promise.resolve({
      via: "token",
      until: 0,
      tokenId: deps.auth.tokenId(token),
      role: "operator",
    });
  }
  failedToken(deps, failures, c);
  return Promise.resolve(undefined);
}

/**
 * Requires a credential on `/api/*` except `/api/health` and `/api/ticket`
 * (and on `/metrics`). A client that sent too many wrong Bearer tokens gets
 * 429 until its window ends, without its token being checked (signed
 * cookies and tickets cannot be guessed, so only tokens count).
 *
 * @returns A check that resolves when the request may go on, with its
 *   principal stored for {@linkcode principalOf} and {@linkcode credentialEnd}.
 * @throws {HttpError} 401 without a valid credential, 403 for a viewer on
 *   an operator's route, 429 while locked out.
 */
export function authorizer(
  deps: AppDeps,
  failures: FailureLimiter,
): (c: Context) => Promise<void> | undefined {
  return function authorize(c: Context): Promise<void> | undefined {
    const path = c.req.path;
    if (
      !deps.auth.enabled || path === "/api/health" || path === "/api/ticket" ||
      // Webhook deliveries carry their own proof: an HMAC over the body.
      path.startsWith("/api/ingest/") || c.req.method === "OPTIONS"
    ) {
      return undefined;
    }
    return credential(deps, failures, c, TICKET_ROUTES.has(path)).then(
      (principal) => {
        if (!principal) {
          throw unauthorized(
            "a valid credential is required: Authorization: Bearer <token>, a session cookie from /login, or ?ticket= from POST /api/ticket",
          );
        }
        // A viewer reads boards: not the metrics, the admin topic or links.
        if (principal.role === "viewer" && operatorOnly(c)) {
          throw new HttpError(
            403,
            "forbidden",
            "a viewer link reads the board; this needs an operator's token",
          );
        }
        // Streams end when this credential does (credentialEnd).
        c.set(PRINCIPAL, principal);
      },
    );
  };
}

/** `POST /api/ticket`: a short-lived ticket for one WebSocket or SSE connection. */
export function ticketRoute(
  deps: AppDeps,
  failures: FailureLimiter,
): (c: Context) => Promise<Response> {
  return async function ticket(c: Context): Promise<Response> {
    const principal = await credential(deps, failures, c, false);
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

/**
 * Where to go after signing in: a path on this server taken from `next`
 * (`/admin`, `/?kiosk`), never another site (no `//host`, no scheme, no
 * backslash); `/` otherwise.
 */
export function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?![\/\\])[^\s\\]*$/.test(next) &&
      next.length <= 512
    ? next
    : "/";
}

/** The sign-in page's URL that comes back to `path` afterwards. */
export function loginUrl(path: string): string {
  return path === "/" ? "/login" : `/login?next=${encodeURIComponent(path)}`;
}

/** `GET /login`: the sign-in form. */
export function loginPage(): (c: Context) => Response {
  return (c) =>
    c.html(LOGIN_PAGE("", safeNext(c.req.query("next"))), 200, {
      "cache-control": "no-store",
    });
}

/**
 * `POST /login`: checks the token and sets the session cookie. Failed
 * tokens count toward the client's lockout, as Bearer tokens do.
 */
export function loginSubmit(
  deps: AppDeps,
  failures: FailureLimiter,
  origins: OriginPolicy,
): (c: Context) => Promise<Response> {
  return async function login(c: Context): Promise<Response> {
    if (crossSite(c, origins)) {
      return c.html(
        LOGIN_PAGE("Sign in from this server's own page."),
        403,
        { "cache-control": "no-store" },
      );
    }
    const form = await c.req.parseBody().catch(
      () => ({} as Record<string, unknown>),
    );
    // From here to the count, no await: concurrent guesses are counted
    // one by one (see credential()).
    const wait = deps.auth.enabled ? lockedOutFor(deps, failures, c) : 0;
    if (wait > 0) {
      return c.html(
        LOGIN_PAGE(
          `Too many failed tokens from this address; try again in ${wait} s.`,
        ),
        429,
        { "cache-control": "no-store", "retry-after": String(wait) },
      );
    }
    const token = typeof form.token === "string" ? form.token : "";
    if (!deps.auth.enabled || !deps.auth.checkToken(token)) {
      if (deps.auth.enabled) failedToken(deps, failures, c);
      return c.html(
        LOGIN_PAGE("That token is not valid.", safeNext(form.next)),
        401,
        {
          "cache-control": "no-store",
        },
      );
    }
    const session = await deps.auth.issueSession(token);
    const secure = isHttps(c) ? "; Secure" : "";
    return new Response(null, {
      status: 303,
      headers: {
        // Back to the page that asked for the sign-in.
        location: safeNext(form.next),
        "set-cookie":
          `${SESSION_COOKIE}=${session.value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${session.maxAgeS}${secure}`,
        "cache-control": "no-store",
      },
    });
  };
}

/**
 * Whether a form post comes from another site's page (login CSRF: a page
 * elsewhere signing the visitor in with the attacker's token, or out).
 * Browsers send `Origin` on every POST, and `Sec-Fetch-Site`; the
 * console's actions use the same test.
 */
export function crossSite(c: Context, origins: OriginPolicy): boolean {
  // A browser says so itself, in a header no page can set.
  if (c.req.header("sec-fetch-site") === "same-origin") return false;
  if (c.req.header("sec-fetch-site") === "cross-site") {
    const origin = c.req.header("origin") ?? null;
    return !(origin !== null && origins.lists(origin));
  }
  // "null" is an opaque origin (a sandboxed frame, a data: URL, a
  // redirect across sites): never this server's own page.
  const origin = c.req.header("origin") ?? null;
  return origin !== null && !origins.allows(origin, c.req.url);
}

/**
 * `POST /logout`: ends the browser's session here by clearing its cookie,
 * then shows the sign-in page. (A copied cookie stays valid until it
 * expires, the secret changes, or its token is removed from
 * `PULSE_TOKENS`.)
 */
export function logoutSubmit(
  origins: OriginPolicy,
): (c: Context) => Response {
  return function logout(c: Context): Response {
    if (crossSite(c, origins)) {
      throw new HttpError(
        403,
        "forbidden",
        "sign out from this server's own page",
      );
    }
    const secure = isHttps(c) ? "; Secure" : "";
    return new Response(null, {
      status: 303,
      headers: {
        location: "/login",
        "set-cookie":
          `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`,
        "cache-control": "no-store",
      },
    });
  };
}

const PRINCIPAL = "principal";

/** What only operators may read: the metrics, the admin topic, viewer links. */
function operatorOnly(c: Context): boolean {
  const path = c.req.path;
  return path === "/metrics" || path === "/api/viewer-links" ||
    path.startsWith("/api/viewer-links/") ||
    c.req.query("topic") === "admin";
}

/**
 * The principal the guard authenticated for this request, when there was
 * one (an open server has an operator principal).
 */
export function principalOf(c: Context): Principal | undefined {
  return c.get(PRINCIPAL) as Principal | undefined;
}

/**
 * The key a stream counts under for the per-credential limit: the share
 * link, else the API token, that the request's credential (a token, a
 * session or ticket signed in with it) descends from; none on an open
 * board.
 *
 * @param c The request's context, after the guard.
 * @returns `link:<id>`, `token:<id>`, or undefined.
 */
export function credentialKey(c: Context): string | undefined {
  const p = principalOf(c);
  return p?.linkId !== undefined
    ? `link:${p.linkId}`
    : p?.tokenId !== undefined
    ? `token:${p.tokenId}`
    : undefined;
}

/**
 * Ends a stream when the credential that opened it does: at its expiry,
 * or at once when the share link it descends from is revoked.
 *
 * @param deps The clock and the share links.
 * @param c The request's context, after the guard.
 * @param connection The stream.
 * @returns Stops both watches (call it when the stream ends first).
 */
export function endWithCredential(
  deps: Pick<AppDeps, "clock" | "viewerLinks">,
  c: Context,
  connection: Expirable,
): () => void {
  const principal = c.get(PRINCIPAL) as Principal | undefined;
  const cancelExpiry = endAtExpiry(connection, principal?.until, deps.clock);
  const linkId = principal?.linkId;
  const unwatch = linkId && deps.viewerLinks
    ? deps.viewerLinks.watch(
      linkId,
      () => connection.expire("share link revoked; ask for a new one"),
    )
    : () => {};
  return function stopWatching() {
    cancelExpiry();
    unwatch();
  };
}

/**
 * When the credential that authorized this request ends, epoch ms; `0` or
 * `undefined` when it does not (an API token, an open server).
 *
 * @param c The request's context, after {@linkcode requireAuth}.
 * @returns The end of the credential.
 */
export function credentialEnd(c: Context): number | undefined {
  return (c.get(PRINCIPAL) as Principal | undefined)?.until;
}
