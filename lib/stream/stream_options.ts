/**
 * The limits and timings every transport shares, resolved once from the
 * configuration and passed to each connection.
 *
 * @module
 */
import type { Clock } from "../time/mod.ts";
import type { HeartbeatTicker } from "./heartbeat_ticker.ts";
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
