/**
 * The one interface every client transport implements. A transport opens a
 * stream of envelopes for one topic from a position and reports how it
 * ended; the connection driver decides everything else.
 *
 * @module
 */
import type { ServerEnvelope } from "../../protocol/mod.ts";
import type { TransportEnd } from "../connection_state.ts";

export type { TransportEnd };

/** Where the client stands: the position to resume from. */
export interface ClientPosition {
  /** The last applied seq. */
  since?: number;
  /** Its epoch. */
  epoch?: string;
}

/** What a transport reports. */
export interface TransportHandlers {
  /** The connection is established. */
  onOpen(): void;
  /** An envelope arrived (state, heartbeat, pong or error). */
  onEnvelope(envelope: ServerEnvelope): void;
  /** Bytes arrived that carry no envelope (an SSE heartbeat comment). */
  onActivity(): void;
  /**
   * The server confirmed the subscription without sending data (a
   * long-poll's first, immediate answer); WebSocket and SSE confirm with a
   * heartbeat envelope instead.
   */
  onAcknowledged?(): void;
  /** Counts what arrived, in characters of text (load reports). */
  onBytes?(n: number): void;
  /** The connection ended; called once. `retryAfterMs` is the server's pacing hint. */
  onEnd(end: TransportEnd): void;
}

/** An open transport. */
export interface TransportConnection {
  /** Asks again from the current position (after a gap). */
  resubscribe(): void;
  /** Closes without calling `onEnd`. */
  close(): void;
}

/** What a transport needs to open. */
export interface TransportParams {
  /** The server's base URL. */
  baseUrl: string;
  /** The topic. */
  topic: string;
  /** Extra query parameters, such as a `ticket`. */
  query?: Record<string, string>;
  /** The client's current position, read whenever it is needed. */
  position: () => ClientPosition;
  /** Where events go. */
  handlers: TransportHandlers;
}

/** Opens a connection. */
export type TransportFactory = (params: TransportParams) => TransportConnection;

/** Builds `path?topic=..&since=..&epoch=..` on the base URL. */
export function streamUrl(
  baseUrl: string,
  path: string,
  topic: string,
  position: ClientPosition,
  extra: Record<string, string> = {},
): URL {
  const url = new URL(path, baseUrl);
  url.searchParams.set("topic", topic);
  if (position.since !== undefined && position.epoch !== undefined) {
    url.searchParams.set("since", String(position.since));
    url.searchParams.set("epoch", position.epoch);
  }
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  return url;
}
