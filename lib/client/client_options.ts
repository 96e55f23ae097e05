/**
 * What a StreamClient is given (its options, with their defaults) and
 * what it shows (its state), apart from the driver that runs it.
 *
 * @module
 */
import type { BackoffOptions } from "../resilience/mod.ts";
import type { Clock } from "../time/mod.ts";
import type { ClientEnvironment } from "./environment.ts";
import type { TopicView } from "./topic_view.ts";
import type {
  ClientStatus,
  PolicyOptions,
  TransportName,
} from "./transport_policy.ts";
import type { TransportFactory } from "./transports/transport.ts";
import type { ClientSocket } from "./transports/ws_transport.ts";

/** What the client exposes to views. */
export interface ClientState {
  /** The connection's status. */
  readonly status: ClientStatus;
  /** The transport in use (or being tried). */
  readonly transport: TransportName;
  /** Why the client is not on the best transport, when it is not. */
  readonly fallbackReason?: string;
  /** The topic's state, once known. */
  readonly view?: TopicView;
  /** Message `ts` to receipt for the last state message, ms. */
  readonly latencyMs?: number;
  /** When the last message arrived, epoch ms. */
  readonly lastMessageAt?: number;
  /** Reconnects since start. */
  readonly reconnects: number;
  /** Snapshots taken to resync (after the first). */
  readonly resyncs: number;
  /** Deltas that did not follow the held seq (each repaired by a resubscribe). */
  readonly gaps: number;
  /** Text received since start, in characters. */
  readonly bytesReceived: number;
}

/** Options for {@linkcode StreamClient}. */
export interface StreamClientOptions extends PolicyOptions {
  /** The server's base URL, such as `http://127.0.0.1:8000`. */
  baseUrl: string;
  /**
   * The topic to follow.
   * @default {"pnl"}
   */
  topic?: string;
  /** A view the page already has (the server-rendered snapshot). */
  initial?: TopicView;
  /**
   * Allowed transports, best first; one entry forces it (`?transport=sse`).
   * @default {["ws", "sse", "poll"]}
   */
  transports?: readonly TransportName[];
  /** Transport implementations (injectable for tests). */
  factories?: Partial<Record<TransportName, TransportFactory>>;
  /** Opens a WebSocket, when the default WebSocket transport is used. */
  createWebSocket?: (url: string) => ClientSocket;
  /**
   * Time source.
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Uniform random numbers in [0, 1), for backoff jitter.
   * @default {systemRandom}
   */
  random?: () => number;
  /** Reconnect backoff bounds. */
  backoff?: BackoffOptions;
  /**
   * Failed attempts in a row after which the client gives up (status
   * `closed`, with an error event); unlimited by default.
   * @default {Infinity}
   */
  maxAttempts?: number;
  /**
   * How long an attempt may take to open and deliver its first message, ms.
   * @default {5000}
   */
  connectTimeoutMs?: number;
  /**
   * Silence after which a connection is declared dead, ms (about two
   * server heartbeat intervals, so seconds, not minutes): a server with a
   * heartbeat other than the default 15 s needs
   * {@linkcode livenessForHeartbeat} of its interval.
   * @default {35000}
   */
  livenessMs?: number;
  /**
   * How often a WebSocket probe runs while on a fallback transport, ms.
   * @default {30000}
   */
  probeIntervalMs?: number;
  /**
   * Fetches a ticket for each connection, when the server requires
   * credentials (browsers cannot set headers on WebSocket or SSE).
   */
  getTicket?: () => Promise<string>;
  /** Online/offline and visibility events; the browser's when present. */
  environment?: ClientEnvironment;
  /** Called after every change of {@linkcode ClientState}. */
  onChange?: (state: ClientState) => void;
  /** Called for `error` envelopes and transport failures; never throws. */
  onError?: (error: { code: string; message: string }) => void;
}

/**
 * The silence after which a client of a server heartbeating every
 * `heartbeatMs` declares its connection dead: two intervals and 5 s more,
 * since the server checks for silence in steps of up to a second and a
 * busy network delays a beat. A longer `PULSE_HEARTBEAT_MS` than the
 * default would otherwise end quiet connections that are healthy.
 *
 * @param heartbeatMs The server's heartbeat interval, ms.
 * @returns The client's `livenessMs`.
 * @throws {RangeError} When the interval is not a positive number.
 *
 * @example The default interval gives the default liveness
 * ```ts
 * import assert from "node:assert/strict";
 * import { livenessForHeartbeat } from "@/lib/client/mod.ts";
 * assert.equal(livenessForHeartbeat(15_000), 35_000);
 * ```
 */
export function livenessForHeartbeat(heartbeatMs: number): number {
  if (!(heartbeatMs > 0) || !Number.isFinite(heartbeatMs)) {
    throw new RangeError(
      `Cannot derive liveness: 'heartbeatMs' must be a positive number of ms, received ${heartbeatMs}`,
    );
  }
  return 2 * heartbeatMs + 5_000;
}
