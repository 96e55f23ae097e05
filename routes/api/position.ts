/**
 * Shared query parsing for the streaming routes: `topic`, `since`, `epoch`
 * (and SSE's `Last-Event-ID`), each refused with a 400 naming it.
 */
import type { Context } from "hono";
import {
  parseEpoch,
  parseSince,
  parseTopic,
  ProtocolError,
} from "@/lib/protocol/mod.ts";
import { type Hub, type ResumePosition } from "@/lib/stream/mod.ts";

/** A topic and where to resume it. */
export interface TopicPosition extends ResumePosition {
  /** The topic, known to the hub. */
  topic: string;
}

/**
 * Reads `topic` (default `pnl`), `since` and `epoch` from the query
 * (parsed once, as `c.req.query()`, when the caller has it already).
 *
 * @throws {ProtocolError} `bad_request` naming the parameter, or
 *   `unknown_topic`.
 */
export function positionFromQuery(
  c: Context,
  hub: Hub,
  query: Record<string, string> = c.req.query(),
): TopicPosition {
  const topic = parseTopic(query.topic ?? "pnl");
  if (!hub.has(topic)) {
    throw new ProtocolError(
      "unknown_topic",
      `unknown topic ${JSON.stringify(topic)}; known topics: ${
        hub.topics.join(", ")
      }`,
    );
  }
  const { since, epoch } = query;
  const position: TopicPosition = { topic };
  if (since !== undefined) position.since = parseSince(since);
  if (epoch !== undefined) position.epoch = parseEpoch(epoch);
  return position;
}

/**
 * Parses an SSE `Last-Event-ID` (`<epoch>:<seq>`, as the server sent it).
 *
 * @throws {ProtocolError} `bad_request` saying what is accepted.
 */
export function positionFromLastEventId(value: string): ResumePosition {
  const match = /^([A-Za-z0-9_-]{4,32}):(\d{1,16})$/.exec(value.trim());
  if (!match) {
    throw new ProtocolError(
      "bad_request",
      `Last-Event-ID must be "<epoch>:<seq>" as sent in the stream's id: lines, received ${
        JSON.stringify(value.slice(0, 40))
      }`,
    );
  }
  return { epoch: parseEpoch(match[1]), since: parseSince(match[2]) };
}
