/**
 * Security middleware: response headers on everything but the WebSocket
 * upgrade (a Content-Security-Policy with no inline scripts on pages,
 * `nosniff`, no referrer, no framing), and CORS for `/api/*` limited to the
 * origin allowlist from `lib/http`; before anything, the Host allowlist
 * (against DNS rebinding).
 */
import type { Context, Next } from "hono";
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

/**
 * Gives every request an id (a well-formed incoming `X-Request-Id` is
 * kept), echoed in the response and used in log lines about the request.
 */
export function requestIds(): (c: Context, next: Next) => Promise<void> {
  return async function requestId(c: Context, next: Next): Promise<void> {
    const incoming = c.req.header("x-request-id");
    const id = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming)
      ? incoming
      : crypto.randomUUID();
    c.set("requestId" as never, id as never);
    await next();
    if (c.res.status !== 101) c.res.headers.set("x-request-id", id);
  };
}

/**
 * Refuses a request whose Host header is not served, with 421 and what
 * to configure, before any route runs: a page reached through a rebound
 * name must not be served, upgraded or approved for CORS.
 */
export function allowedHosts(
  policy: HostPolicy,
  onRefused?: (reason: "host") => void,
): (c: Context, next: Next) => Promise<void> {
  return async function checkHost(c: Context, next: Next): Promise<void> {
    // Without a Host header (HTTP/1.0, or a Request built in-process), the
    // URL's host is what the request was addressed to.
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!policy.allows(host)) {
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
    await next();
  };
}

/** Adds the security headers. */
export function securityHeaders(): (c: Context, next: Next) => Promise<void> {
  return async function secure(c: Context, next: Next): Promise<void> {
    await next();
    if (c.res.status === 101) return; // a WebSocket upgrade: headers are sealed
    const headers = c.res.headers;
    headers.set("x-content-type-options", "nosniff");
    headers.set("referrer-policy", "no-referrer");
    if (headers.get("content-type")?.startsWith("text/html")) {
      headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
      headers.set("x-frame-options", "DENY");
    }
  };
}

/**
 * CORS for the API: listed origins get their origin echoed (never `*`);
 * a preflight from any other origin is refused with 403.
 */
export function cors(
  policy: OriginPolicy,
): (c: Context, next: Next) => Promise<Response | void> {
  return async function corsMiddleware(
    c: Context,
    next: Next,
  ): Promise<Response | void> {
    const origin = c.req.header("origin") ?? null;
    const allowed = origin !== null && policy.allows(origin, c.req.url);
    if (c.req.method === "OPTIONS") {
      if (!allowed) {
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
          "access-control-allow-origin": origin!,
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers":
            "authorization, content-type, last-event-id",
          "access-control-max-age": "600",
          "vary": "Origin",
        },
      });
    }
    await next();
    if (allowed && policy.lists(origin!) && c.res.status !== 101) {
      c.res.headers.set("access-control-allow-origin", origin!);
      c.res.headers.append("vary", "Origin");
    }
  };
}
