import assert from "node:assert/strict";
import {
  type ConnectionEvent,
  type ConnectionState,
  type Effect,
  initialConnection,
  transition,
  type TransitionConfig,
} from "@/lib/client/mod.ts";

const config: TransitionConfig = {
  backoff: { minMs: 500, maxMs: 20_000 },
  maxAttempts: Infinity,
  connectTimeoutMs: 5_000,
  livenessMs: 35_000,
  probeIntervalMs: 30_000,
  random: () => 0.5,
};

/** Runs events in order; returns the last state and every effect. */
function run(
  events: ConnectionEvent[],
  from: ConnectionState = initialConnection(["ws", "sse", "poll"]),
  options: TransitionConfig = config,
) {
  let state = from;
  const effects: Effect[] = [];
  for (const event of events) {
    const t = transition(state, event, options);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

const opens = (effects: Effect[]) =>
  effects.filter((e) => e.type === "open").map((e) =>
    e.type === "open" ? `${e.gen}:${e.transport}` : ""
  );
const timer = (effects: Effect[], name: string) =>
  effects.findLast((e) => e.type === "set_timer" && e.timer === name);

Deno.test("transition: start opens the best transport with a connect timer, or waits when offline", () => {
  const online = run([{ type: "start", online: true }]);
  assert.deepEqual(opens(online.effects), ["1:ws"]);
  assert.deepEqual(timer(online.effects, "connect"), {
    type: "set_timer",
    timer: "connect",
    ms: 5_000,
  });
  assert.equal(online.state.status, "connecting");
  const offline = run([{ type: "start", online: false }]);
  assert.deepEqual(opens(offline.effects), []);
  assert.equal(offline.state.status, "offline");
  const back = run([{ type: "online" }], offline.state);
  assert.deepEqual(opens(back.effects), ["1:ws"]);
  assert.equal(back.state.status, "reconnecting");
});

Deno.test("transition: the first state message makes the attempt live and stops its connect timer; later ones keep it", () => {
  const { state, effects } = run([
    { type: "start", online: true },
    { type: "opened", gen: 1 },
    { type: "state_message", gen: 1 },
    { type: "state_message", gen: 1 },
  ]);
  assert.equal(state.status, "live");
  assert.ok(
    effects.some((e) => e.type === "clear_timer" && e.timer === "connect"),
  );
  assert.equal(
    state.phase.kind === "attempting" && state.phase.attempt.gotMessage,
    true,
  );
});

Deno.test("transition: two WebSocket opens that time out move to SSE at once, with the reason and a transport error each", () => {
  const { state, effects } = run([
    { type: "start", online: true },
    { type: "timer", timer: "connect" },
    { type: "timer", timer: "retry" },
    { type: "timer", timer: "connect" },
  ]);
  assert.equal(state.transport, "sse");
  assert.equal(state.status, "reconnecting");
  assert.match(state.policy.fallbackReason ?? "", /WebSocket could not open/);
  assert.deepEqual(timer(effects, "retry"), {
    type: "set_timer",
    timer: "retry",
    ms: 0,
  });
  assert.equal(effects.filter((e) => e.type === "error").length, 2);
  const next = run([{ type: "timer", timer: "retry" }], state);
  assert.deepEqual(opens(next.effects), ["3:sse"]);
});

Deno.test("transition: the same transport backs off with jitter, and the server's retryAfterMs wins", () => {
  const base = run([
    { type: "start", online: true },
    { type: "state_message", gen: 1 },
  ]).state;
  const dropped = run([{
    type: "ended",
    gen: 1,
    end: { kind: "failed", reason: "dropped" },
  }], base);
  assert.deepEqual(timer(dropped.effects, "retry"), {
    type: "set_timer",
    timer: "retry",
    ms: 250, // full jitter: 0.5 of the first 500 ms step
  });
  assert.equal(dropped.state.transport, "ws", "it had delivered: no fallback");
  const paced = run([{
    type: "ended",
    gen: 1,
    end: { kind: "failed", reason: "shutting down", retryAfterMs: 4_000 },
  }], base);
  assert.equal(
    (timer(paced.effects, "retry") as { ms: number }).ms,
    4_000,
  );
});

Deno.test("transition: a resubscribe end is no failure: no error, no backoff, no fallback, counted as a reconnect", () => {
  const base = run([
    { type: "start", online: true },
    { type: "timer", timer: "connect" },
    { type: "timer", timer: "retry" },
    { type: "state_message", gen: 2 },
    { type: "gap", gen: 2 },
  ]);
  assert.deepEqual(base.effects.at(-1), { type: "resubscribe", gen: 2 });
  assert.equal(base.state.gaps, 1);
  const { state, effects } = run([{
    type: "ended",
    gen: 2,
    end: { kind: "resubscribe" },
  }], base.state);
  assert.equal(effects.some((e) => e.type === "error"), false);
  assert.deepEqual(timer(effects, "retry"), {
    type: "set_timer",
    timer: "retry",
    ms: 0,
  });
  assert.deepEqual(state.policy, base.state.policy);
  assert.equal(state.reconnects, base.state.reconnects + 1);
});

Deno.test("transition: events of an older generation change nothing", () => {
  const { state } = run([
    { type: "start", online: true },
    { type: "timer", timer: "connect" },
    { type: "timer", timer: "retry" },
  ]);
  for (
    const event of [
      { type: "opened", gen: 1 },
      { type: "activity", gen: 1 },
      { type: "state_message", gen: 1 },
      { type: "gap", gen: 1 },
      { type: "ended", gen: 1, end: { kind: "failed", reason: "late" } },
      { type: "ticket_failed", gen: 1, message: "late" },
    ] as ConnectionEvent[]
  ) {
    const t = transition(state, event, config);
    assert.equal(t.state, state, event.type);
    assert.deepEqual(t.effects, [], event.type);
  }
});

Deno.test("transition: on a fallback a probe of WebSocket runs in the background and takes over on its first state message", () => {
  const onSse = run([
    { type: "start", online: true },
    { type: "timer", timer: "connect" },
    { type: "timer", timer: "retry" },
    { type: "timer", timer: "connect" },
    { type: "timer", timer: "retry" },
    { type: "state_message", gen: 3 },
  ]);
  assert.equal(onSse.state.status, "live");
  assert.deepEqual(timer(onSse.effects, "probe"), {
    type: "set_timer",
    timer: "probe",
    ms: 30_000,
  });
  const probing = run([{ type: "timer", timer: "probe" }], onSse.state);
  assert.deepEqual(opens(probing.effects), ["4:ws"]);
  assert.equal(probing.state.probe?.gen, 4);
  // A heartbeat on the probe is not yet a reason to adopt it.
  assert.deepEqual(
    transition(probing.state, { type: "activity", gen: 4 }, config).effects,
    [],
  );
  const adopted = run([{ type: "state_message", gen: 4 }], probing.state);
  assert.equal(adopted.state.status, "live");
  assert.equal(adopted.state.transport, "ws");
  assert.equal(adopted.state.probe, undefined);
  assert.ok(adopted.effects.some((e) => e.type === "close" && e.gen === 3));
  // A failed probe leaves the fallback alone and is tried again later.
  const failed = run([{
    type: "ended",
    gen: 4,
    end: { kind: "failed", reason: "refused" },
  }], probing.state);
  assert.equal(failed.state.transport, "sse");
  assert.equal(failed.state.status, "live");
  assert.ok(timer(failed.effects, "probe"));
});

Deno.test("transition: after maxAttempts failures in a row it gives up, says why, and closes everything", () => {
  const { state, effects } = run(
    [
      { type: "start", online: true },
      { type: "ended", gen: 1, end: { kind: "failed", reason: "refused" } },
      { type: "timer", timer: "retry" },
      { type: "ended", gen: 2, end: { kind: "failed", reason: "refused" } },
    ],
    initialConnection(["ws"]),
    { ...config, maxAttempts: 2 },
  );
  assert.equal(state.status, "closed");
  const last = effects.filter((e) => e.type === "error").at(-1);
  assert.equal(last?.type === "error" && last.code, "gave_up");
  assert.deepEqual(
    transition(state, { type: "timer", timer: "retry" }, config).effects,
    [],
  );
});

Deno.test("transition: a tab made visible after more than half the liveness window of quiet reconnects at once", () => {
  const live = run([
    { type: "start", online: true },
    { type: "state_message", gen: 1 },
  ]).state;
  assert.deepEqual(
    transition(live, { type: "visible", quietMs: 10_000 }, config).effects,
    [],
  );
  const { state, effects } = run([{ type: "visible", quietMs: 20_000 }], live);
  assert.equal(state.status, "reconnecting");
  assert.equal((timer(effects, "retry") as { ms: number }).ms, 0);
});

Deno.test("transition: closed and offline clients open nothing, whatever happens", () => {
  const closed = run([{ type: "start", online: true }, { type: "close" }]);
  const offline = run([{ type: "start", online: true }, { type: "offline" }]);
  const events: ConnectionEvent[] = [
    { type: "start", online: true },
    { type: "opened", gen: 1 },
    { type: "state_message", gen: 1 },
    { type: "ended", gen: 1, end: { kind: "failed", reason: "x" } },
    { type: "timer", timer: "retry" },
    { type: "timer", timer: "connect" },
    { type: "timer", timer: "liveness" },
    { type: "timer", timer: "probe" },
    { type: "timer", timer: "probe_timeout" },
    { type: "visible", quietMs: 1e9 },
    { type: "offline" },
  ];
  for (const from of [closed.state, offline.state]) {
    for (const event of events) {
      const t = transition(from, event, config);
      assert.deepEqual(
        opens([...t.effects]),
        [],
        `${from.status} ${event.type}`,
      );
      assert.equal(t.state.status, from.status, `${from.status} ${event.type}`);
    }
  }
});

Deno.test("transition: an acknowledgment without data makes the attempt live like a first message (a quiet board)", () => {
  const { state, effects } = run([
    { type: "start", online: true },
    { type: "opened", gen: 1 },
    { type: "acknowledged", gen: 1 },
    { type: "timer", timer: "connect" }, // cleared, but fired late: ignored
  ]);
  assert.equal(state.status, "live");
  assert.equal(state.transport, "ws");
  assert.ok(
    effects.some((e) => e.type === "clear_timer" && e.timer === "connect"),
  );
  assert.equal(opens(effects).length, 1);
});
