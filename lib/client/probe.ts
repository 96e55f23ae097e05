/**
 * The background probe: while on a fallback transport, the best one is
 * tried now and then without disturbing the connection; the first state
 * message it delivers makes it the connection. Pure parts of the reducer.
 *
 * @module
 */
import {
  type ConnectionState,
  dropAttempt,
  dropProbe,
  type Effect,
  type TransitionConfig,
} from "./connection_state.ts";
import { nextPolicy } from "./transport_policy.ts";

/** While on a fallback, the best transport is tried in the background now and then. */
export function scheduleProbe(
  s: ConnectionState,
  config: TransitionConfig,
  fx: Effect[],
): ConnectionState {
  if (s.policy.transport === s.policy.order[0] || s.probeScheduled) return s;
  fx.push({ type: "set_timer", timer: "probe", ms: config.probeIntervalMs });
  return { ...s, probeScheduled: true };
}

/** The probe delivered: it replaces the fallback connection. */
export function adoptProbe(
  s: ConnectionState,
  config: TransitionConfig,
  fx: Effect[],
): ConnectionState {
  const probe = s.probe!;
  fx.push({ type: "clear_timer", timer: "probe_timeout" });
  dropAttempt(s, fx);
  fx.push({ type: "set_timer", timer: "liveness", ms: config.livenessMs });
  const policy = nextPolicy(s.policy, { type: "probe_succeeded" }, config);
  return {
    ...s,
    policy,
    probe: undefined,
    phase: { kind: "attempting", attempt: { ...probe, opened: true } },
  };
}

/** The probe failed or timed out: stay, and try again later. */
export function abandonProbe(
  s: ConnectionState,
  config: TransitionConfig,
  fx: Effect[],
): ConnectionState {
  dropProbe(s, fx);
  return scheduleProbe({ ...s, probe: undefined }, config, fx);
}

/** The `probe` timer fired: open the best transport beside the fallback. */
export function startProbe(
  state: ConnectionState,
  config: TransitionConfig,
  fx: Effect[],
): ConnectionState {
  const best = state.policy.order[0]!;
  const s = { ...state, probeScheduled: false };
  if (s.policy.transport === best || s.phase.kind !== "attempting") return s;
  const gen = s.gen + 1;
  fx.push(
    { type: "open", gen, transport: best },
    { type: "set_timer", timer: "probe_timeout", ms: config.connectTimeoutMs },
  );
  return {
    ...s,
    gen,
    probe: { gen, transport: best, opened: false, gotMessage: false },
  };
}
