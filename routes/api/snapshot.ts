/**
 * `GET /api/snapshot?topic=pnl`: the topic's snapshot envelope, with
 * `ETag: "<epoch>:<seq>"` and 304 for a matching `If-None-Match`. Uses the
 * hub's serialized-once snapshot.
 */
import type { Context } from "hono";
import { parseTopic } from "@/lib/protocol/mod.ts";
import type { AppDeps } from "../deps.ts";

/** Builds the snapshot handler. */
export function snapshotRoute(deps: AppDeps): (c: Context) => Response {
  return function snapshot(c: Context): Response {
    const topic = parseTopic(c.req.query("topic") ?? "pnl");
    const message = deps.hub.snapshot(topic);
    const { epoch, seq } = message.envelope;
    const etag = `"${epoch}:${seq}"`;
    const headers = {
      "etag": etag,
      "cache-control": "no-cache",
    };
    if (etagMatches(c.req.header("if-none-match"), etag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(message.text, {
      headers: {
        ...headers,
        "content-type": "application/json; charset=utf-8",
      },
    });
  };
}

/** Weak comparison per RFC 9110: `W/` prefixes and lists are accepted. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) =>
    tag.trim().replace(/^W\//, "") === etag
  );
}
