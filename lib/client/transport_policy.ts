/**
 * The transport policy, a pure function the connection reducer
 * (`transitions.ts`) consults: which transport to use next, and why,
 * given what happened to the last attempt. Tested exhaustively.
 *
 * @module
 */

/** The transports, best first. */
export type TransportName = "ws" | "sse" | "poll";

/** The connection's status, as shown to people. */
export type ClientStatus =
  /** The first attempt is under way. */
  | "connecting"
  /**
   * Messages flow, or the subscription is acknowledged, on any transport
   * (a fallback that works is not "degraded": the transport is shown
   * beside the status, with the reason for the fallback).
   */
  | "live"
  /** The last attempt failed; the next one waits for its backoff. */
  | "reconnecting"
  /** The browser says it is offline; nothing is attempted until it is back. */
  | "offline"
  /** Closed by the application. */
  | "closed";

/** How an attempt ended. */
export type AttemptEnd =
  /** It never opened in time, or was refused (a proxy stripping Upgrade). */
  | "no_open"
  /** It opened but closed before the first message. */
  | "closed_before_message"
  /** It delivered messages, then closed or errored. */
  | "closed"
  /** It stayed silent past the liveness window (a buffering proxy, a dead peer). */
  | "silent";

/** The policy's state. */
export interface PolicyState {
  /** The transports allowed, best first (one when forced). */
  readonly order: readonly TransportName[];
  /** The transport of the current or next attempt. */
  readonly transport: TransportName;
  /** Failed attempts in a row on each transport since it last worked. */
  readonly failures: Readonly<Record<TransportName, number>>;
  /** Failed attempts in a row on any transport, for backoff. */
  readonly streak: number;
  /**
   * Transports that have delivered messages in this session. When one of
   * them fails to open, the server is more likely down than the network
   * hostile, so the client keeps to it (backing off) instead of falling back.
   */
  readonly proven: readonly TransportName[];
  /** Why the client left the best transport, when it did. */
  readonly fallbackReason?: string;
}

/** Thresholds of the policy. */
export interface PolicyOptions {
  /**
   * WebSocket attempts that fail before any message before moving to SSE.
   * @default {2}
   */
  wsFailuresBeforeFallback?: number;
  /**
   * SSE attempts that fail before any message before moving to long-poll.
   * @default {2}
   */
  sseFailuresBeforeFallback?: number;
}

/** Events the policy reacts to. */
export type PolicyEvent =
  | { type: "message" }
  | { type: "ended"; how: AttemptEnd }
  | { type: "probe_succeeded" };

const ZERO: Record<TransportName, number> = { ws: 0, sse: 0, poll: 0 };

/**
 * The initial policy: the best allowed transport.
 *
 * @param order Allowed transports, best first (`["sse"]` to force SSE).
 * @returns The policy state.
 * @throws {RangeError} When `order` is empty.
 *
 * @example Start on WebSocket
 * ```ts
 * import assert from "node:assert/strict";
 * import { initialPolicy } from "@/lib/client/transport_policy.ts";
 * assert.equal(initialPolicy(["ws", "sse", "poll"]).transport, "ws");
 * ```
 */
export function initialPolicy(order: readonly TransportName[]): PolicyState {
  const first = order[0];
  if (!first) {
    throw new RangeError(
      "Cannot create client policy: 'order' must name at least one transport",
    );
  }
  return { order, transport: first, failures: ZERO, streak: 0, proven: [] };
}

/**
 * The next policy state after `event`.
 *
 * - A message resets the failure counts of the transport that delivered it.
 * - An attempt that ends before any message counts against its transport;
 *   past the threshold the client moves to the next transport, with the
 *   reason recorded. SSE that stays silent moves at once: a buffering proxy
 *   does not get better by retrying.
 * - An attempt that ends after messages keeps its transport.
 * - A successful WebSocket probe moves back to the best transport.
 *
 * @param state The current state.
 * @param event What happened.
 * @param options The thresholds.
 * @returns The next state.
 *
 * @example Two failed WebSocket opens move to SSE
 * ```ts
 * import assert from "node:assert/strict";
 * import { initialPolicy, nextPolicy } from "@/lib/client/transport_policy.ts";
 * let s = initialPolicy(["ws", "sse", "poll"]);
 * s = nextPolicy(s, { type: "ended", how: "no_open" });
 * assert.equal(s.transport, "ws");
 * s = nextPolicy(s, { type: "ended", how: "no_open" });
 * assert.equal(s.transport, "sse");
 * assert.match(s.fallbackReason ?? "", /WebSocket/);
 * ```
 */
export function nextPolicy(
  state: PolicyState,
  event: PolicyEvent,
  options: PolicyOptions = {},
): PolicyState {
  const { wsFailuresBeforeFallback = 2, sseFailuresBeforeFallback = 2 } =
    options;
  switch (event.type) {
    case "message": {
      const proven = withTransport(state.proven, state.transport);
      if (
        state.failures[state.transport] === 0 && state.streak === 0 &&
        proven === state.proven
      ) {
        return state;
      }
      return {
        ...state,
        failures: { ...state.failures, [state.transport]: 0 },
        streak: 0,
        proven,
      };
    }
    case "probe_succeeded":
      return {
        order: state.order,
        transport: state.order[0]!,
        failures: ZERO,
        streak: 0,
        proven: withTransport(state.proven, state.order[0]!),
      };
    case "ended": {
      const t = state.transport;
      const streak = state.streak + 1;
      // A transport that worked before and now cannot open points at a
      // server that is down (a restart), not at a hostile network.
      if (
        event.how === "closed" ||
        (state.proven.includes(t) && event.how !== "silent")
      ) {
        return { ...state, streak };
      }
      const failures = { ...state.failures, [t]: state.failures[t] + 1 };
      const limit = t === "ws"
        ? wsFailuresBeforeFallback
        : t === "sse"
        ? sseFailuresBeforeFallback
        : Infinity;
      const moveNow = (t === "sse" && event.how === "silent") ||
        failures[t] >= limit;
      const next = state.order[state.order.indexOf(t) + 1];
      if (!moveNow || !next) return { ...state, failures, streak };
      return {
        ...state,
        transport: next,
        failures,
        streak,
        fallbackReason: describeFallback(t, event.how, failures[t]),
      };
    }
  }
}

const NAMES: Record<TransportName, string> = {
  ws: "WebSocket",
  sse: "Server-Sent Events",
  poll: "long-polling",
};

function describeFallback(
  t: TransportName,
  how: AttemptEnd,
  count: number,
): string {
  const what = how === "silent"
    ? "stayed silent past the heartbeat interval (a buffering proxy?)"
    : how === "no_open"
    ? `could not open ${count} time(s) (blocked, or a proxy stripping Upgrade?)`
    : `closed before its first message ${count} time(s)`;
  return `${NAMES[t]} ${what}`;
}

function withTransport(
  list: readonly TransportName[],
  t: TransportName,
): readonly TransportName[] {
  return list.includes(t) ? list : [...list, t];
}
