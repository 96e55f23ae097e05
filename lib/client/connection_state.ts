/**
 * The client connection's state, events and effects: the vocabulary of
 * the reducer in `transitions.ts` and the driver in `connection.ts`, with
 * the small helpers both reducer files share.
 *
 * @module
 */
import type { BackoffOptions } from "../resilience/mod.ts";
import {
  type ClientStatus,
  initialPolicy,
  type PolicyOptions,
  type PolicyState,
  type TransportName,
} from "./transport_policy.ts";

/** One try of one transport; `gen` tells its callbacks from a later one's. */
export interface Attempt {
  readonly gen: number;
  readonly transport: TransportName;
  /** The transport said it is open. */
  readonly opened: boolean;
  /** A state message (snapshot or delta) arrived on it. */
  readonly gotMessage: boolean;
}

/** Where the connection is; one phase, never a set of flags. */
export type ConnectionPhase =
  /** Created, not started. */
  | { readonly kind: "idle" }
  /** An attempt is opening or open. */
  | { readonly kind: "attempting"; readonly attempt: Attempt }
  /** Between attempts: the `retry` timer runs. */
  | { readonly kind: "waiting" }
  /** The browser is offline; nothing is attempted until it is back. */
  | { readonly kind: "offline" }
  /** Closed by the application, or given up. */
  | { readonly kind: "closed" };

/** The reducer's state. */
export interface ConnectionState {
  readonly phase: ConnectionPhase;
  /** The transport policy (order, failures, fallback reason). */
  readonly policy: PolicyState;
  /** A WebSocket tried in the background while on a fallback. */
  readonly probe?: Attempt;
  /** The `probe` timer runs. */
  readonly probeScheduled: boolean;
  /** The last generation handed out. */
  readonly gen: number;
  /** The status shown. */
  readonly status: ClientStatus;
  /** The transport shown. */
  readonly transport: TransportName;
  /** Reconnects since start. */
  readonly reconnects: number;
  /** Deltas that did not follow the held seq. */
  readonly gaps: number;
}

/** The timers the driver runs for the reducer. */
export type TimerName =
  | "connect"
  | "liveness"
  | "retry"
  | "probe"
  | "probe_timeout";

/**
 * How a transport ended: a failure (with the reason and the server's
 * pacing hint), or the transport reopening itself from the held position
 * to repair a gap, which is no failure.
 */
export type TransportEnd =
  | { readonly kind: "failed"; reason: string; retryAfterMs?: number }
  | { readonly kind: "resubscribe" };

/** What happened. `gen` names the attempt or probe it happened to. */
export type ConnectionEvent =
  | { readonly type: "start"; readonly online: boolean }
  | { readonly type: "opened"; readonly gen: number }
  | { readonly type: "activity"; readonly gen: number }
  | { readonly type: "state_message"; readonly gen: number }
  /**
   * The server confirmed the subscription without data (the client is
   * current): a heartbeat acknowledgment, or a long-poll's first answer.
   * For liveness it counts as a first message.
   */
  | { readonly type: "acknowledged"; readonly gen: number }
  | { readonly type: "gap"; readonly gen: number }
  | { readonly type: "ended"; readonly gen: number; readonly end: TransportEnd }
  | {
    readonly type: "ticket_failed";
    readonly gen: number;
    readonly message: string;
  }
  | { readonly type: "timer"; readonly timer: TimerName }
  | { readonly type: "offline" }
  | { readonly type: "online" }
  | { readonly type: "visible"; readonly quietMs: number }
  | { readonly type: "close" };

/** What the driver must do. */
export type Effect =
  | {
    readonly type: "open";
    readonly gen: number;
    readonly transport: TransportName;
  }
  | { readonly type: "close"; readonly gen: number }
  | { readonly type: "resubscribe"; readonly gen: number }
  | {
    readonly type: "set_timer";
    readonly timer: TimerName;
    readonly ms: number;
  }
  | { readonly type: "clear_timer"; readonly timer: TimerName }
  | {
    readonly type: "error";
    readonly code: "transport" | "gave_up";
    readonly message: string;
  };

/** The reducer's fixed settings (see `StreamClientOptions` for defaults). */
export interface TransitionConfig extends PolicyOptions {
  backoff: BackoffOptions;
  maxAttempts: number;
  connectTimeoutMs: number;
  livenessMs: number;
  probeIntervalMs: number;
  /** Uniform numbers in [0, 1) for backoff jitter (seeded in tests). */
  random: () => number;
}

/** The result of one transition. */
export interface Transition {
  readonly state: ConnectionState;
  readonly effects: readonly Effect[];
}

/**
 * The state before `start`, on the best of `order`.
 *
 * @param order Allowed transports, best first.
 * @returns The state.
 * @throws {RangeError} When `order` is empty.
 */
export function initialConnection(
  order: readonly TransportName[],
): ConnectionState {
  const policy = initialPolicy(order);
  return {
    phase: { kind: "idle" },
    policy,
    probeScheduled: false,
    gen: 0,
    status: "connecting",
    transport: policy.transport,
    reconnects: 0,
    gaps: 0,
  };
}

/** Closes the current attempt, if any, and stops its timers. */
export function dropAttempt(s: ConnectionState, fx: Effect[]): void {
  if (s.phase.kind === "attempting") {
    fx.push({ type: "close", gen: s.phase.attempt.gen });
  }
  fx.push(
    { type: "clear_timer", timer: "connect" },
    { type: "clear_timer", timer: "liveness" },
  );
}

/** Closes the probe, if any, and stops its timer. */
export function dropProbe(s: ConnectionState, fx: Effect[]): void {
  fx.push({ type: "clear_timer", timer: "probe_timeout" });
  if (s.probe) fx.push({ type: "close", gen: s.probe.gen });
}

/** The state with `attempt` as the current one. */
export function withAttempt(
  s: ConnectionState,
  attempt: Attempt,
): ConnectionState {
  return { ...s, phase: { kind: "attempting", attempt } };
}
