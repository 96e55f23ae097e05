/**
 * `GET /api/ws`: the WebSocket transport. A thin Deno adapter that wires
 * `Deno.upgradeWebSocket` events to `lib/stream`'s WsSession.
 */
import type { Context } from "hono";
import { HttpError, type OriginPolicy } from "@/lib/http/mod.ts";
import { ProtocolError } from "@/lib/protocol/mod.ts";
import { WsSession } from "@/lib/stream/mod.ts";
import { principalOf } from "../auth.ts";
import type { AppDeps } from "../deps.ts";
import type { RouteLimits } from "../limits.ts";
import { admitStream } from "../stream_admission.ts";
import { positionFromQuery } from "./position.ts";

/** Builds the WebSocket handler. */
export function wsRoute(
  deps: AppDeps,
  origins: OriginPolicy,
  limits: RouteLimits,
): (c: Context) => Response {
  return function ws(c: Context): Response {
    const req = c.req.raw;
    // A page on another site must not open a socket with the visitor's
    // credentials (cross-site WebSocket hijacking).
    const origin = req.headers.get("origin");
    if (!origins.allows(origin, req.url)) {
      throw new HttpError(
        403,
        "forbidden",
        `origin ${
          JSON.stringify(origin)
        } may not open WebSockets here; add it to PULSE_ALLOWED_ORIGINS`,
      );
    }
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(
        400,
        "bad_request",
        "this endpoint speaks WebSocket only; send an Upgrade: websocket request",
      );
    }
    // Parameters are checked before upgrading, so a bad one is a plain 400.
    const hasTopic = c.req.query("topic") !== undefined;
    if (
      !hasTopic && (c.req.query("since") ?? c.req.query("epoch")) !== undefined
    ) {
      throw new ProtocolError(
        "bad_request",
        "since and epoch need a topic; add topic=pnl to subscribe at connect time",
      );
    }
    let initial = hasTopic ? positionFromQuery(c, deps.hub) : undefined;
    // Let in before the upgrade: the request is closed after it.
    const admitted = admitStream(deps, limits, c, "ws");
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(req, {
        idleTimeout: deps.stream.wsIdleTimeoutS,
      });
    } catch (error) {
      admitted.close();
      throw new HttpError(
        400,
        "bad_request",
        `cannot upgrade to WebSocket: ${(error as Error).message}`,
      );
    }
    const { socket, response } = upgraded;
    // The socket itself is the session's peer, and the shared options are
    // not copied: an idle connection costs as little as it can.
    // A viewer gets its own options object, to keep it off the admin topic.
    const session = new WsSession(
      socket,
      deps.hub,
      principalOf(c)?.role === "viewer"
        ? { ...deps.stream, canRead: (topic) => topic !== "admin" }
        : deps.stream,
    );
    socket.onopen = () => {
      // Registered, and ended when its credential ends.
      admitted.open(session);
      if (initial) session.subscribe({ type: "subscribe", ...initial });
      initial = undefined;
    };
    socket.onmessage = (event) => session.handleFrame(event.data);
    socket.onclose = () => {
      session.end();
      // Gone once the close handshake is over: shutdown waits for this.
      admitted.close();
    };
    // No onerror: a WebSocket error is always followed by close, handled above.
    return response;
  };
}
