/**
 * The client's connection as a reducer: `transition(state, event)` returns
 * the next state and the effects to run (open or close a transport, set or
 * clear a timer, report an error). Every decision lives here: the status
 * shown, which transport comes next (through `transport_policy.ts`), how
 * long to wait, when to probe, when to give up. `connection.ts` only runs
 * the effects with the real clock, transports and tickets.
 *
 * @module
 */
import { backoffDelay } from "../resilience/mod.ts";
import {
  type ConnectionEvent,
  type ConnectionState,
  dropAttempt,
  dropProbe,
  type Effect,
  type TimerName,
  type Transition,
  type TransitionConfig,
  withAttempt,
} from "./connection_state.ts";
import {
  abandonProbe,
  adoptProbe,
  scheduleProbe,
  startProbe,
} from "./probe.ts";
import { type AttemptEnd, nextPolicy } from "./transport_policy.ts";

/**
 * The next state and its effects after `event`.
 *
 * @param state The current state.
 * @param event What happened.
 * @param config The settings.
 * @returns The next state and the effects to run, in order.
 *
 * @example A first state message makes the connection live
 * ```ts
 * import assert from "node:assert/strict";
 * import { initialConnection, transition } from "@/lib/client/mod.ts";
 * const config = { backoff: {}, maxAttempts: Infinity, connectTimeoutMs: 5000,
 *   livenessMs: 35000, probeIntervalMs: 30000, random: () => 0.5 };
 * let t = transition(initialConnection(["ws", "sse", "poll"]), { type: "start", online: true }, config);
 * assert.ok(t.effects.some((e) => e.type === "open" && e.transport === "ws"));
 * t = transition(t.state, { type: "state_message", gen: 1 }, config);
 * assert.equal(t.state.status, "live");
 * ```
 */
export function transition(
  state: ConnectionState,
  event: ConnectionEvent,
  config: TransitionConfig,
): Transition {
  const effects: Effect[] = [];
  const next = reduce(state, event, config, effects);
  return { state: next, effects };
}

function reduce(
  s: ConnectionState,
  e: ConnectionEvent,
  config: TransitionConfig,
  fx: Effect[],
): ConnectionState {
  const { phase } = s;
  const current = phase.kind === "attempting" ? phase.attempt : undefined;
  const isCurrent = (gen: number) => current?.gen === gen;
  const isProbe = (gen: number) => s.probe?.gen === gen;
  switch (e.type) {
    case "start":
      if (phase.kind !== "idle") return s;
      return e.online ? connect(s, config, fx) : goOffline(s, fx);
    case "opened":
      if (isCurrent(e.gen)) {
        return withAttempt(s, { ...current!, opened: true });
      }
      if (isProbe(e.gen)) return { ...s, probe: { ...s.probe!, opened: true } };
      return s;
    case "activity":
      if (isCurrent(e.gen)) {
        fx.push({
          type: "set_timer",
          timer: "liveness",
          ms: config.livenessMs,
        });
      }
      return s;
    case "acknowledged":
    case "state_message": {
      let state = s;
      let attempt = current;
      if (isProbe(e.gen)) {
        state = adoptProbe(s, config, fx);
        attempt = state.phase.kind === "attempting"
          ? state.phase.attempt
          : undefined;
      } else if (!isCurrent(e.gen)) return s;
      if (!attempt) return state;
      if (!attempt.gotMessage) {
        fx.push({ type: "clear_timer", timer: "connect" });
        const policy = nextPolicy(state.policy, { type: "message" }, config);
        state = withAttempt({ ...state, policy }, {
          ...attempt,
          gotMessage: true,
        });
        state = scheduleProbe(state, config, fx);
      }
      return {
        ...state,
        // Live on any transport: a working fallback is not degraded (the
        // badge shows the transport and why it was chosen).
        status: "live",
        transport: attempt.transport,
      };
    }
    case "gap":
      if (!isCurrent(e.gen)) return s;
      fx.push({ type: "resubscribe", gen: e.gen });
      return { ...s, gaps: s.gaps + 1 };
    case "ended":
      if (isProbe(e.gen)) return abandonProbe(s, config, fx);
      if (!isCurrent(e.gen)) return s;
      if (e.end.kind === "resubscribe") {
        // Reopened from the held position to repair a gap: no failure, no
        // backoff, the same transport.
        dropAttempt(s, fx);
        fx.push({ type: "set_timer", timer: "retry", ms: 0 });
        return {
          ...s,
          phase: { kind: "waiting" },
          status: "reconnecting",
          reconnects: s.reconnects + 1,
        };
      }
      return end(s, config, fx, {
        how: current!.gotMessage
          ? "closed"
          : current!.opened
          ? "closed_before_message"
          : "no_open",
        reason: e.end.reason,
        retryAfterMs: e.end.retryAfterMs,
      });
    case "ticket_failed":
      if (isProbe(e.gen)) return abandonProbe(s, config, fx);
      if (!isCurrent(e.gen)) return s;
      return end(s, config, fx, {
        how: "closed",
        reason: `no ticket: ${e.message}`,
      });
    case "timer":
      return onTimer(s, e.timer, config, fx);
    case "offline":
      return phase.kind === "closed" ? s : goOffline(s, fx);
    case "online":
      if (phase.kind !== "offline") return s;
      // At once: the network is back.
      return connect({ ...s, status: "reconnecting" }, config, fx);
    case "visible":
      // Timers are throttled in background tabs: do not trust a connection
      // that has been quiet for longer than half the liveness window.
      if (!current || e.quietMs <= config.livenessMs / 2) return s;
      return end(s, config, fx, {
        how: current.gotMessage ? "closed" : "silent",
        reason: "revalidating after the tab became visible",
        retryAfterMs: 0,
      });
    case "close":
      return stopEverything(s, fx, "closed");
  }
}

function onTimer(
  s: ConnectionState,
  timer: TimerName,
  config: TransitionConfig,
  fx: Effect[],
): ConnectionState {
  const current = s.phase.kind === "attempting" ? s.phase.attempt : undefined;
  switch (timer) {
    case "retry":
      return s.phase.kind === "waiting" ? connect(s, config, fx) : s;
    case "connect":
      // Already acknowledged: a connect timer that fired in the same turn
      // as its clearing has nothing left to judge.
      if (!current || current.gotMessage) return s;
      return end(s, config, fx, {
        how: current.opened ? "silent" : "no_open",
        reason: "timed out",
      });
    case "liveness":
      if (!current) return s;
      return end(s, config, fx, {
        how: current.gotMessage ? "closed" : "silent",
        reason: "silent past the liveness window",
      });
    case "probe_timeout":
      return s.probe ? abandonProbe(s, config, fx) : s;
    case "probe":
      return startProbe(s, config, fx);
  }
}

function connect(
  s: ConnectionState,
  config: TransitionConfig,
  fx: Effect[],
): ConnectionState {
  dropAttempt(s, fx);
  const gen = s.gen + 1;
  const transport = s.policy.transport;
  fx.push(
    { type: "set_timer", timer: "connect", ms: config.connectTimeoutMs },
    { type: "open", gen, transport },
  );
  return {
    ...s,
    gen,
    transport,
    phase: {
      kind: "attempting",
      attempt: { gen, transport, opened: false, gotMessage: false },
    },
  };
}

/** An attempt failed: count it, then retry (now, at the server's hint, or after backoff) or give up. */
function end(
  s: ConnectionState,
  config: TransitionConfig,
  fx: Effect[],
  how: { how: AttemptEnd; reason: string; retryAfterMs?: number },
): ConnectionState {
  const current = s.phase.kind === "attempting" ? s.phase.attempt : undefined;
  if (!current) return s;
  dropAttempt(s, fx);
  fx.push({
    type: "error",
    code: "transport",
    message: `${current.transport}: ${how.reason}`,
  });
  const before = s.policy.transport;
  const policy = nextPolicy(s.policy, { type: "ended", how: how.how }, config);
  if (policy.streak >= config.maxAttempts) {
    fx.push({
      type: "error",
      code: "gave_up",
      message:
        `gave up after ${policy.streak} failed attempts in a row; last: ${how.reason}`,
    });
    return reduce({ ...s, policy }, { type: "close" }, config, fx);
  }
  // A move to another transport is tried at once; the same one backs off,
  // unless the server said when to come back.
  const delay = how.retryAfterMs ??
    (policy.transport !== before
      ? 0
      : backoffDelay(policy.streak - 1, config.random, config.backoff));
  fx.push({ type: "set_timer", timer: "retry", ms: delay });
  return {
    ...s,
    policy,
    phase: { kind: "waiting" },
    status: "reconnecting",
    transport: policy.transport,
    reconnects: s.reconnects + 1,
  };
}

function goOffline(s: ConnectionState, fx: Effect[]): ConnectionState {
  return stopEverything(s, fx, "offline");
}

/** Closes the attempt and the probe and stops every timer: offline or closed. */
function stopEverything(
  s: ConnectionState,
  fx: Effect[],
  kind: "offline" | "closed",
): ConnectionState {
  dropAttempt(s, fx);
  dropProbe(s, fx);
  fx.push(
    { type: "clear_timer", timer: "retry" },
    { type: "clear_timer", timer: "probe" },
  );
  return {
    ...s,
    phase: { kind },
    probe: undefined,
    probeScheduled: false,
    status: kind,
  };
}
