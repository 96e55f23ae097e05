/**
 * `GET /api/ws`: the WebSocket transport. A thin Deno adapter that wires
 * `Deno.upgradeWebSocket` events to `lib/stream`'s WsSession.
 */
import type { Context } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import {
  parseEpoch,
  parseSince,
  parseTopic,
  ProtocolError,
  type SubscribeMessage,
  WsSession,
} from "@/lib/stream/mod.ts";
import type { AppDeps } from "../deps.ts";

/** Builds the WebSocket handler. */
export function wsRoute(deps: AppDeps): (c: Context) => Response {
  return function ws(c: Context): Response {
    const req = c.req.raw;
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(
        400,
        "bad_request",
        "this endpoint speaks WebSocket only; send an Upgrade: websocket request",
      );
    }
    // Parameters are checked before upgrading, so a bad one is a plain 400.
    const initial = subscribeFromQuery(c);
    if (initial && !deps.hub.has(initial.topic)) {
      throw new ProtocolError(
        "unknown_topic",
        `unknown topic ${JSON.stringify(initial.topic)}; known topics: ${
          deps.hub.topics.join(", ")
        }`,
      );
    }
    const { socket, response } = Deno.upgradeWebSocket(req, {
      idleTimeout: 60,
    });
    let forget = () => {};
    const { promise: closed, resolve: onClosed } = Promise.withResolvers<
      void
    >();
    const session = new WsSession(
      {
        send: (text) => socket.send(text),
        close: (code, reason) => socket.close(code, reason),
      },
      {
        hub: deps.hub,
        clock: deps.clock,
        maxFrameBytes: deps.config.maxFrameBytes,
        heartbeatMs: deps.config.heartbeatMs,
        onEnd: () => forget(),
      },
    );
    socket.onopen = () => {
      forget = deps.connections.add("ws", session, closed);
      if (initial) session.subscribe(initial);
    };
    socket.onmessage = (event) => session.handleFrame(event.data);
    socket.onclose = () => {
      session.end();
      onClosed();
    };
    socket.onerror = () => session.end();
    return response;
  };
}

function subscribeFromQuery(c: Context): SubscribeMessage | undefined {
  const topic = c.req.query("topic");
  const since = c.req.query("since");
  const epoch = c.req.query("epoch");
  if (topic === undefined) {
    if (since !== undefined || epoch !== undefined) {
      throw new ProtocolError(
        "bad_request",
        "since and epoch need a topic; add topic=pnl to subscribe at connect time",
      );
    }
    return undefined;
  }
  const message: SubscribeMessage = {
    type: "subscribe",
    topic: parseTopic(topic),
  };
  if (since !== undefined) message.since = parseSince(since);
  if (epoch !== undefined) message.epoch = parseEpoch(epoch);
  return message;
}
