/**
 * The gateway: what every request goes through around its route, as one
 * async frame rather than a chain of middleware. In order: the Host
 * allowlist, forwarded headers from a trusted proxy, the plain-request slot
 * of the client's address, the declared body size and the request id; on
 * the API, a CORS preflight or the credential check; then the route. After
 * it: CORS on the API, the request id and the security headers.
 *
 * Why not Hono middleware: with one handler per route Hono calls it
 * directly, where eight `app.use` layers cost every request eight async
 * frames, promises and closures, and the garbage they leave. A long-poll is
 * a request per message: the chain was a quarter of its cost (see
 * docs/benchmarks.md).
 *
 * A hot route (the long-poll) builds its response with {@linkcode respond},
 * which puts the gateway's headers in at construction: setting headers on a
 * finished response costs the runtime a headers object and checks per
 * header, about a seventh of a long-poll's cost.
 *
 * Refusals keep their old shape: a refusal at the door (421, 429, 413) is
 * answered by the app's error handler without response headers; an error
 * from the credential check or the route is answered here, so that it
 * still carries CORS, the request id and the security headers.
 */
import type { Context } from "hono";
import type { HostPolicy, OriginPolicy } from "@/lib/http/mod.ts";
import type { SlotLimiter } from "@/lib/resilience/mod.ts";
import { checkDeclaredBody, readForwarded, takeRequestSlot } from "./limits.ts";
import {
  addSecurityHeaders,
  checkHost,
  PAGE_HEADERS,
  preflight,
  requestIdOf,
} from "./security.ts";

/** The gateway's headers for this request's answer (see respond). */
const GATEWAY_HEADERS = "gatewayHeaders";

/** Responses built with the gateway's headers in: left as they are. */
const complete = new WeakSet<Response>();

/**
 * A response with the gateway's headers (request id, security headers and
 * CORS) put in at construction, so the gateway leaves it as it is; use it
 * on hot routes. Outside the gateway (a test calling a route), it is a
 * plain response.
 *
 * @param c The request's context.
 * @param body The body.
 * @param init The status and the route's own headers.
 */
export function respond(
  c: Context,
  body: BodyInit | null,
  init: { status?: number; headers: Record<string, string> },
): Response {
  const gateway = c.get(GATEWAY_HEADERS as never) as
    | Record<string, string>
    | undefined;
  if (gateway === undefined) return new Response(body, init);
  // The record is this request's own: the route's headers join it.
  const vary = gateway.vary;
  const headers = Object.assign(gateway, init.headers);
  if (vary !== undefined && init.headers.vary !== undefined) {
    headers.vary = `${init.headers.vary}, ${vary}`;
  }
  if (headers["content-type"]?.startsWith("text/html")) {
    Object.assign(headers, PAGE_HEADERS);
  }
  const response = new Response(body, { status: init.status, headers });
  complete.add(response);
  return response;
}

/** A route: one request in, one response out. */
export type Route = (c: Context) => Response | Promise<Response>;

/** Options for {@linkcode gateway}. */
export interface GatewayOptions {
  /** The Host names served. */
  hosts: HostPolicy;
  /** Whether `X-Forwarded-For` and `-Proto` come from a trusted proxy. */
  trustProxy: boolean;
  /** Plain requests in progress per client address. */
  requests: SlotLimiter;
  /** The largest declared request body, bytes. */
  maxBodyBytes: number;
  /** The origins the API answers (CORS). */
  origins: OriginPolicy;
  /**
   * The credential check of the API and `/metrics`: throws to refuse,
   * returns `undefined` when there is nothing to wait for.
   */
  authorize: (c: Context) => Promise<void> | undefined;
  /** Turns an error into its response (the app's error handler). */
  answerError: (error: unknown, c: Context) => Response;
  /** Counts a refused Host header. */
  onRefused?: (reason: "host") => void;
}

/**
 * Builds the wrapper every route is registered through.
 *
 * @returns `gated(route)`: the route behind the gateway, one Hono handler.
 */
export function gateway(options: GatewayOptions): (route: Route) => Route {
  const {
    hosts,
    trustProxy,
    requests,
    maxBodyBytes,
    origins,
    authorize,
    answerError,
    onRefused,
  } = options;

  async function api(
    route: Route,
    c: Context,
    prepared: Record<string, string>,
  ): Promise<Response> {
    // Read before the route: a WebSocket upgrade closes the request.
    const origin = c.req.header("origin");
    const echo = origin !== undefined && origins.allows(origin, c.req.url) &&
      origins.lists(origin);
    if (echo) {
      prepared["access-control-allow-origin"] = origin;
      prepared["vary"] = "Origin";
    }
    let response: Response;
    try {
      if (c.req.method === "OPTIONS") return preflight(origins, c);
      const check = authorize(c);
      if (check) await check;
      response = await route(c);
    } catch (error) {
      response = answerError(error, c);
    }
    if (echo && response.status !== 101 && !complete.has(response)) {
      response.headers.set("access-control-allow-origin", origin);
      response.headers.append("vary", "Origin");
    }
    return response;
  }

  async function guarded(route: Route, c: Context): Promise<Response> {
    try {
      const check = authorize(c);
      if (check) await check;
      return await route(c);
    } catch (error) {
      return answerError(error, c);
    }
  }

  async function open(route: Route, c: Context): Promise<Response> {
    try {
      return await route(c);
    } catch (error) {
      return answerError(error, c);
    }
  }

  return function gated(route: Route): Route {
    return async function gate(c: Context): Promise<Response> {
      checkHost(hosts, c, onRefused);
      if (trustProxy) readForwarded(c);
      const release = takeRequestSlot(requests, c);
      try {
        // A push route reads up to its source's own limit (ingest.ts).
        if (!c.req.path.startsWith("/api/ingest/")) {
          checkDeclaredBody(maxBodyBytes, c);
        }
        const id = requestIdOf(c);
        c.set("requestId" as never, id as never);
        const prepared: Record<string, string> = {
          "x-request-id": id,
          "x-content-type-options": "nosniff",
          "referrer-policy": "same-origin",
        };
        c.set(GATEWAY_HEADERS as never, prepared as never);
        const path = c.req.path;
        const response = path === "/api" || path.startsWith("/api/")
          ? await api(route, c, prepared)
          : path === "/metrics"
          ? await guarded(route, c)
          : await open(route, c);
        // A WebSocket upgrade's headers are sealed.
        if (response.status !== 101 && !complete.has(response)) {
          response.headers.set("x-request-id", id);
          addSecurityHeaders(response.headers);
        }
        return response;
      } finally {
        release?.();
      }
    };
  };
}
