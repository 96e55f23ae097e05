/**
 * The limits and timings every transport shares, resolved once from the
 * configuration and passed to each connection.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import { HeartbeatTicker } from "./heartbeat_ticker.ts";
import type { PacingOptions } from "./pacing.ts";

/** Shared transport settings. */
export interface StreamOptions {
  /** Time source for heartbeats, drain checks and `ts`. */
  readonly clock: Clock;
  /** Uniform random numbers in [0, 1), for pacing jitter. */
  readonly random: () => number;
  /** Silence after which a heartbeat is sent, ms. */
  readonly heartbeatMs: number;
  /**
   * The one timer behind every connection's heartbeat, built for
   * `heartbeatMs` and shared by every connection of the server.
   */
  readonly heartbeats: HeartbeatTicker;
  /**
   * Seconds a WebSocket may go without answering the runtime's pings
   * before it is closed as dead (idle detection).
   */
  readonly wsIdleTimeoutS: number;
  /** WebSocket messages allowed per second per connection (bursts of twice that). */
  readonly wsMessagesPerSecond: number;
  /** Subscriptions allowed per WebSocket connection. */
  readonly maxSubscriptions: number;
  /** Largest WebSocket frame accepted, bytes. */
  readonly maxFrameBytes: number;
  /** Backlog above which a subscriber stops getting live deltas, bytes. */
  readonly highWaterBytes: number;
  /** Backlog at which a behind subscriber is caught up, bytes. */
  readonly lowWaterBytes: number;
  /** How long a subscriber may stay backed up before it is closed, ms. */
  readonly maxBehindMs: number;
  /** The range of reconnect delays handed to clients. */
  readonly pacing: PacingOptions;
  /** Counts each message written to a client, for metrics; must be cheap. */
  readonly onSent?: (transport: string, type: string, bytes: number) => void;
  /** Counts stream events (resumes, catch-ups, slow closes). */
  readonly onEvent?: (event: StreamEvent) => void;
}

/** Something worth counting on a stream. */
export type StreamEvent =
  | { kind: "subscribe"; transport: string; resumed: boolean }
  | { kind: "catch_up"; transport: string; skipped: number }
  | { kind: "slow_close"; transport: string };

/** The configuration fields the transports' settings come from. */
export interface StreamSettings {
  /** Silence after which a heartbeat is sent, ms. */
  readonly heartbeatMs: number;
  /** Seconds without a pong before a WebSocket is closed as dead. */
  readonly wsIdleTimeoutS: number;
  /** WebSocket messages allowed per second per connection. */
  readonly wsMessagesPerSecond: number;
  /** Topics one connection may follow at once. */
  readonly maxSubscriptions: number;
  /** Largest client frame accepted, bytes. */
  readonly maxFrameBytes: number;
  /** A connection's send backlog that makes it a slow consumer, bytes. */
  readonly slowClientBytes: number;
  /** How long a slow consumer may stay behind before it is closed, ms. */
  readonly slowClientMs: number;
  /** The reconnect delay suggested to every client at shutdown, ms. */
  readonly reconnectBaseMs: number;
  /** The spread added to it per client, so reconnects do not stampede, ms. */
  readonly reconnectSpreadMs: number;
}

/**
 * Resolves the shared transport settings from the configuration: one
 * heartbeat timer for every connection, and catch-up resuming once a
 * slow consumer's backlog drains to a quarter of the slow mark.
 *
 * @param settings The configured values (`Config` has them all).
 * @param deps Time, randomness and where events and sent bytes are counted.
 * @returns The frozen options every transport is given.
 *
 * @example One heartbeat ticker, a low-water mark at a quarter
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "@/lib/time/mod.ts";
 * import { streamOptionsFrom } from "@/lib/stream/stream_options.ts";
 * const options = streamOptionsFrom({
 *   heartbeatMs: 15000, wsIdleTimeoutS: 60, wsMessagesPerSecond: 20,
 *   maxSubscriptions: 10, maxFrameBytes: 16384, slowClientBytes: 1048576,
 *   slowClientMs: 30000, reconnectBaseMs: 1000, reconnectSpreadMs: 5000,
 * }, { clock: new FakeClock(), random: () => 0.5 });
 * assert.equal(options.lowWaterBytes, 262144);
 * assert.ok(Object.isFrozen(options));
 * ```
 */
export function streamOptionsFrom(
  settings: StreamSettings,
  deps: Pick<StreamOptions, "clock" | "random" | "onEvent" | "onSent">,
): StreamOptions {
  const { clock } = deps;
  return Object.freeze({
    ...deps,
    heartbeatMs: settings.heartbeatMs,
    heartbeats: new HeartbeatTicker({
      clock,
      heartbeatMs: settings.heartbeatMs,
    }),
    wsIdleTimeoutS: settings.wsIdleTimeoutS,
    wsMessagesPerSecond: settings.wsMessagesPerSecond,
    maxSubscriptions: settings.maxSubscriptions,
    maxFrameBytes: settings.maxFrameBytes,
    highWaterBytes: settings.slowClientBytes,
    lowWaterBytes: Math.floor(settings.slowClientBytes / 4),
    maxBehindMs: settings.slowClientMs,
    pacing: {
      baseMs: settings.reconnectBaseMs,
      spreadMs: settings.reconnectSpreadMs,
    },
  });
}
