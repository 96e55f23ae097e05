import assert from "node:assert/strict";
import {
  type AttemptEnd,
  initialPolicy,
  nextPolicy,
  type PolicyState,
  type TransportName,
} from "@/lib/client/mod.ts";

const ALL: TransportName[] = ["ws", "sse", "poll"];
const ENDS: AttemptEnd[] = [
  "no_open",
  "closed_before_message",
  "closed",
  "silent",
];

function run(
  events: Parameters<typeof nextPolicy>[1][],
  order = ALL,
): PolicyState {
  return events.reduce((s, e) => nextPolicy(s, e), initialPolicy(order));
}

Deno.test("policy: every kind of ending on every transport, from a fresh state", () => {
  const expected: Record<TransportName, Record<AttemptEnd, TransportName>> = {
    ws: {
      no_open: "ws",
      closed_before_message: "ws",
      closed: "ws",
      silent: "ws",
    },
    sse: {
      no_open: "sse",
      closed_before_message: "sse",
      closed: "sse",
      silent: "poll",
    },
    poll: {
      no_open: "poll",
      closed_before_message: "poll",
      closed: "poll",
      silent: "poll",
    },
  };
  for (const t of ALL) {
    for (const how of ENDS) {
      const start: PolicyState = { ...initialPolicy(ALL), transport: t };
      assert.equal(
        nextPolicy(start, { type: "ended", how }).transport,
        expected[t][how],
        `${t} ${how}`,
      );
    }
  }
});

Deno.test("policy: WebSocket that fails to open twice (a proxy stripping Upgrade) moves to SSE, with the reason", () => {
  const s = run([{ type: "ended", how: "no_open" }, {
    type: "ended",
    how: "closed_before_message",
  }]);
  assert.equal(s.transport, "sse");
  assert.match(
    s.fallbackReason!,
    /WebSocket closed before its first message 2 time\(s\)/,
  );
  assert.equal(s.streak, 2);
});

Deno.test("policy: SSE that errors twice, or stays silent once (a buffering proxy), moves to long-poll", () => {
  const toSse = [{ type: "ended", how: "no_open" }, {
    type: "ended",
    how: "no_open",
  }] as const;
  assert.equal(
    run([...toSse, { type: "ended", how: "no_open" }]).transport,
    "sse",
  );
  assert.equal(
    run([...toSse, { type: "ended", how: "no_open" }, {
      type: "ended",
      how: "no_open",
    }]).transport,
    "poll",
  );
  const silent = run([...toSse, { type: "ended", how: "silent" }]);
  assert.equal(silent.transport, "poll");
  assert.match(
    silent.fallbackReason!,
    /stayed silent past the heartbeat interval/,
  );
});

Deno.test("policy: long-poll is the floor; failures there only grow the backoff streak", () => {
  const s = run(
    Array.from(
      { length: 10 },
      () => ({ type: "ended" as const, how: "no_open" as const }),
    ),
  );
  assert.equal(s.transport, "poll");
  assert.equal(s.streak, 10);
});

Deno.test("policy: a connection that delivered messages and then dropped keeps its transport", () => {
  const s = run([{ type: "message" }, { type: "ended", how: "closed" }, {
    type: "ended",
    how: "closed",
  }, {
    type: "ended",
    how: "closed",
  }]);
  assert.equal(s.transport, "ws");
  assert.equal(s.failures.ws, 0);
});

Deno.test("policy: a message resets the failures and the backoff streak", () => {
  const s = run([{ type: "ended", how: "no_open" }, { type: "message" }, {
    type: "ended",
    how: "no_open",
  }]);
  assert.equal(s.transport, "ws", "the count started over");
  assert.equal(s.streak, 1);
});

Deno.test("policy: a successful probe moves back to the best transport and forgets the fallback", () => {
  const down = run([{ type: "ended", how: "no_open" }, {
    type: "ended",
    how: "no_open",
  }]);
  const up = nextPolicy(down, { type: "probe_succeeded" });
  assert.equal(up.transport, "ws");
  assert.equal(up.fallbackReason, undefined);
});

Deno.test("policy: a forced transport never falls back", () => {
  const s = run(
    Array.from(
      { length: 5 },
      () => ({ type: "ended" as const, how: "silent" as const }),
    ),
    ["sse"],
  );
  assert.equal(s.transport, "sse");
  assert.throws(() => initialPolicy([]), RangeError);
});

Deno.test("policy: a transport that worked keeps being retried when it cannot open (a server restart), not abandoned", () => {
  const s = run([
    { type: "message" },
    { type: "ended", how: "closed" },
    { type: "ended", how: "no_open" },
    { type: "ended", how: "no_open" },
    { type: "ended", how: "closed_before_message" },
  ]);
  assert.equal(s.transport, "ws");
  assert.equal(s.streak, 4, "it backs off meanwhile");
  assert.deepEqual(s.proven, ["ws"]);
});
