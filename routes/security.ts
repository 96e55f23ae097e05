/**
 * Security at the HTTP boundary: the Host allowlist (against DNS
 * rebinding), request ids, response headers (a Content-Security-Policy
 * with no inline scripts on pages, `nosniff`, no referrer, no framing), and
 * CORS for `/api/*` limited to the origin allowlist from `lib/http`. The
 * per-request steps run in `front_door.ts`.
 */
import type { Context } from "hono";
import {
  type HostPolicy,
  HttpError,
  type OriginPolicy,
} from "@/lib/http/mod.ts";

/** The page policy: scripts and styles from this origin only, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join("; ");

/** What a page (an HTML answer) carries besides the headers every answer has. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
});

/** The request-id pattern an incoming `X-Request-Id` must match to be kept. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The request's id: a well-formed incoming `X-Request-Id` is kept, else a
 * fresh one; echoed in the response and used in log lines about it.
 */
export function requestIdOf(c: Context): string {
  const incoming = c.req.header("x-request-id");
  return incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/**
 * Refuses a request whose Host header is not served, with 421 and what
 * to configure, before any route runs: a page reached through a rebound
 * name must not be served, upgraded or approved for CORS.
 *
 * @throws {HttpError} 421 naming the names served.
 */
export function checkHost(
  policy: HostPolicy,
  c: Context,
  onRefused?: (reason: "host") => void,
): void {
  // Without a Host header (HTTP/1.0, or a Request built in-process), the
  // URL's host is what the request was addressed to.
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  if (policy.allows(host)) return;
  onRefused?.("host");
  throw new HttpError(
    421,
    "forbidden",
    `this server does not answer for host ${
      JSON.stringify((host ?? "").slice(0, 100))
    }; it serves ${
      policy.names.join(", ")
    } (set PULSE_ALLOWED_HOSTS to add a name)`,
  );
}

/**
 * Adds the security headers to a response (not to a WebSocket upgrade,
 * whose headers are sealed): `nosniff` and no referrer everywhere, and on
 * pages the Content-Security-Policy and no framing.
 */
export function addSecurityHeaders(headers: Headers): void {
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "same-origin");
  if (headers.get("content-type")?.startsWith("text/html")) {
    for (const [name, value] of Object.entries(PAGE_HEADERS)) {
      headers.set(name, value);
    }
  }
}

/**
 * A CORS preflight (`OPTIONS` on the API): listed origins get their origin
 * echoed (never `*`) with the methods and headers the API takes.
 *
 * @throws {HttpError} 403 for any other origin.
 */
export function preflight(policy: OriginPolicy, c: Context): Response {
  const origin = c.req.header("origin") ?? null;
  if (origin === null || !policy.allows(origin, c.req.url)) {
    throw new HttpError(
      403,
      "forbidden",
      `origin ${
        JSON.stringify(origin)
      } is not allowed; add it to PULSE_ALLOWED_ORIGINS`,
    );
  }
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers":
        "authorization, content-type, last-event-id",
      "access-control-max-age": "600",
      "vary": "Origin",
    },
  });
}
