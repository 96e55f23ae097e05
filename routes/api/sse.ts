/**
 * `GET /api/sse?topic=pnl&since=N&epoch=E`: the Server-Sent Events
 * transport over `lib/stream`'s createSseStream. `Last-Event-ID` (sent by
 * browsers on their own reconnects) takes precedence over the query.
 */
import type { Context } from "hono";
import { createSseStream } from "@/lib/stream/mod.ts";
import type { AppDeps } from "../deps.ts";
import type { RouteLimits } from "../limits.ts";
import { admitStream } from "../stream_admission.ts";
import { positionFromLastEventId, positionFromQuery } from "./position.ts";

/** Builds the SSE handler. */
export function sseRoute(
  deps: AppDeps,
  limits: RouteLimits,
): (c: Context) => Response {
  return function sse(c: Context): Response {
    const query = positionFromQuery(c, deps.hub);
    const lastEventId = c.req.header("last-event-id");
    const position = lastEventId !== undefined && lastEventId !== ""
      ? positionFromLastEventId(lastEventId)
      : query;
    // A client that goes away cancels the body stream, which releases the
    // subscription and timers; request.signal is not needed for that.
    const admitted = admitStream(deps, limits, c, "sse");
    const connection = createSseStream(
      deps.hub,
      query.topic,
      position,
      deps.stream,
    );
    // Registered, and ended when the credential that opened it ends.
    admitted.open(connection);
    connection.closed.then(() => admitted.close());
    return new Response(connection.stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
        "connection": "keep-alive",
      },
    });
  };
}
