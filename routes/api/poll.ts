/**
 * `GET /api/poll?topic=pnl&since=N&epoch=E&timeout=S`: long-polling over
 * `lib/stream`'s longPoll. Answers at once when the client is behind,
 * otherwise holds the request until a publish or the timeout.
 */
import type { Context } from "hono";
import { HttpError } from "@/lib/http/mod.ts";
import { ProtocolError } from "@/lib/protocol/mod.ts";
import { longPoll, pacedDelay } from "@/lib/stream/mod.ts";
import { principalOf } from "../auth.ts";
import type { AppDeps } from "../deps.ts";
import { respond } from "../gateway.ts";
import type { RouteLimits } from "../limits.ts";
import { admitStream } from "../stream_admission.ts";
import { positionFromQuery } from "./position.ts";

const DEFAULT_TIMEOUT_S = 25;
const MAX_TIMEOUT_S = 60;

/** Builds the long-poll handler. */
export function pollRoute(
  deps: AppDeps,
  limits: RouteLimits,
): (c: Context) => Promise<Response> {
  // A ticket serves one long-poll connection: its polls one after another,
  // never several at once (a leaked ticket cannot park a crowd).
  const ticketsParked = new Set<string>();
  return async function poll(c: Context): Promise<Response> {
    const ticket = principalOf(c)?.ticketId;
    if (ticket !== undefined && ticketsParked.has(ticket)) {
      throw new HttpError(
        409,
        "rate_limited",
        "this ticket already has a poll waiting; a ticket serves one long-poll connection, its polls one after another (POST /api/ticket for another)",
        { headers: { "retry-after": "1" } },
      );
    }
    const query = c.req.query();
    const position = positionFromQuery(c, deps.hub, query);
    const { topic, since } = position;
    const timeoutS = parseTimeout(query.timeout);
    const admitted = admitStream(deps, limits, c, "poll");
    // Shutdown answers parked polls at once, with a paced retry hint.
    let stoppedBy: HttpError | undefined;
    let endWait: (() => void) | undefined;
    const stop = (error: HttpError) => {
      stoppedBy = error;
      endWait?.();
    };
    const parked = {
      close: (_code: number, reason: string) => {
        const retryAfterMs = pacedDelay(deps.stream.random, deps.stream.pacing);
        stop(
          new HttpError(503, "unavailable", reason, {
            headers: { "retry-after": String(Math.ceil(retryAfterMs / 1000)) },
          }),
        );
      },
      // A parked poll lives no longer than the credential that sent it.
      expire: (message: string) => {
        stop(new HttpError(401, "unauthorized", message));
      },
      // The position is the one asked from (a parked poll sent nothing).
      describe: () => ({
        topics: [topic],
        ...(since !== undefined ? { seq: since } : {}),
      }),
    };
    // Registered, and ended when the credential that sent it ends.
    admitted.open(parked);
    if (ticket !== undefined) ticketsParked.add(ticket);
    try {
      const result = await longPoll(deps.hub, topic, position, {
        clock: deps.clock,
        timeoutMs: timeoutS * 1000,
        // Aborts only when the client disconnects (deno.json opts out of
        // the legacy abort-after-response behaviour).
        signal: c.req.raw.signal,
        onPark: (end) => {
          if (stoppedBy) end();
          else endWait = end;
        },
        ticker: deps.stream.heartbeats,
        onEvent: deps.stream.onEvent,
        onSent: deps.stream.onSent,
      });
      if (stoppedBy !== undefined) throw stoppedBy;
      if (!result) return new Response(null, { status: 499 }); // the client is gone
      return respond(c, result.body, {
        headers: {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
        },
      });
    } finally {
      if (ticket !== undefined) ticketsParked.delete(ticket);
      admitted.close();
    }
  };
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_S;
  const n = /^\d{1,6}(\.\d{1,3})?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) {
    throw new ProtocolError(
      "bad_request",
      `timeout must be a number of seconds from 0 to ${MAX_TIMEOUT_S}, received ${
        JSON.stringify(value.slice(0, 40))
      }`,
    );
  }
  return Math.min(n, MAX_TIMEOUT_S);
}
