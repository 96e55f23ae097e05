import assert from "node:assert/strict";
import { applyMergePatch, type JsonObject } from "@/lib/protocol/mod.ts";
import { Hub, type HubMessage } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

function makeHub(
  clock: FakeClock,
  extra: Partial<ConstructorParameters<typeof Hub>[0]> = {},
) {
  return new Hub({
    clock,
    topics: { pnl: { n: 0 } },
    epoch: "test-epoch",
    batchMs: 100,
    ...extra,
  });
}

Deno.test("Hub sends a change after a quiet window at once, with the rest of its turn, and coalesces what follows into one delta per window", async () => {
  const clock = new FakeClock();
  using hub = makeHub(clock);
  const got: HubMessage[] = [];
  hub.subscribe("pnl", {}, { start() {}, live: (m) => got.push(m) });
  // The start opens a window: what the first reads bring goes out together.
  hub.publish("pnl", { n: 1 });
  await clock.advance(99);
  assert.equal(got.length, 0);
  await clock.advance(1);
  assert.equal(got.length, 1, "the start's window closed");
  await clock.advance(100);
  hub.publish("pnl", { n: 2 });
  hub.publish("pnl", { n: 3 }); // the same turn: one delta
  await clock.advance(0);
  assert.equal(got.length, 2, "no wait after a quiet window");
  const first = got[1]!.envelope;
  assert.ok(first.type === "delta");
  assert.equal(first.base, 2);
  assert.equal(first.seq, 4);
  assert.deepEqual(first.patch, { n: 3 });
  assert.equal(first.ts, new Date(clock.now()).toISOString());
  await clock.advance(30);
  hub.publish("pnl", { n: 4 });
  await clock.advance(30);
  hub.publish("pnl", { n: 5, extra: true });
  await clock.advance(39);
  assert.equal(got.length, 2, "within the window: held");
  await clock.advance(1);
  assert.equal(got.length, 3, "one delta when the window closes");
  const d = got[2]!.envelope;
  assert.ok(d.type === "delta");
  assert.equal(d.base, 4);
  assert.equal(d.seq, 6);
  assert.deepEqual(d.patch, { n: 5, extra: true });
  assert.equal(d.ts, new Date(clock.now()).toISOString());
  await clock.advance(150);
  hub.publish("pnl", { n: 6 });
  await clock.advance(0);
  assert.equal(got.length, 4, "quiet again: at once");
  assert.equal(clock.pendingTimers, 0, "no timer for sparse changes");
});

Deno.test("Hub publishes nothing for a change that alters nothing, or changes that cancel out", async () => {
  const clock = new FakeClock();
  using hub = makeHub(clock);
  const got: HubMessage[] = [];
  hub.subscribe("pnl", {}, { start() {}, live: (m) => got.push(m) });
  hub.publish("pnl", { n: 0 });
  await clock.advance(200);
  hub.publish("pnl", { n: 5 });
  hub.publish("pnl", { n: 0 });
  await clock.advance(200);
  assert.equal(got.length, 0);
  assert.equal(hub.position("pnl").seq, 1);
  hub.publish("pnl", { n: 7 });
  await clock.advance(100);
  assert.ok(got[0]?.envelope.type === "delta");
  assert.equal(
    got[0].envelope.base,
    1,
    "no seq was burnt by the cancelled window",
  );
});

Deno.test("Hub serializes each message once: every subscriber gets the same string", async () => {
  const clock = new FakeClock();
  using hub = makeHub(clock);
  const texts: string[] = [];
  for (let i = 0; i < 3; i++) {
    hub.subscribe("pnl", {}, { start() {}, live: (m) => texts.push(m.text) });
  }
  hub.publish("pnl", { n: 1 });
  await clock.advance(100);
  assert.equal(texts.length, 3);
  assert.ok(texts.every((t) => t === texts[0]));
  assert.equal(
    hub.snapshot("pnl"),
    hub.snapshot("pnl"),
    "snapshot cached per seq",
  );
});

Deno.test("Hub.resume() serves missed deltas from history, nothing when current, else a snapshot", async () => {
  const clock = new FakeClock();
  using hub = makeHub(clock, { historyCount: 3 });
  for (let n = 1; n <= 5; n++) {
    hub.publish("pnl", { n });
    await clock.advance(100);
  }
  const { seq, epoch } = hub.position("pnl");
  assert.equal(seq, 6);
  assert.deepEqual(await hub.resume("pnl", { since: 6, epoch }), {
    messages: [],
    resumed: true,
  });
  const missed = await hub.resume("pnl", { since: 4, epoch });
  assert.deepEqual(missed.messages.map((m) => m.envelope.seq), [5, 6]);
  assert.equal(
    (await hub.resume("pnl", { since: 2, epoch })).messages[0]?.envelope
      .type,
    "snapshot",
  );
  assert.equal(
    (await hub.resume("pnl", { since: 4, epoch: "other-epoch" }))
      .messages[0]?.envelope
      .type,
    "snapshot",
  );
  assert.equal(
    (await hub.resume("pnl", { since: 99, epoch })).messages[0]?.envelope
      .type,
    "snapshot",
  );
  assert.equal(
    (await hub.resume("pnl", {})).messages[0]?.envelope.type,
    "snapshot",
  );
});

Deno.test("Hub history forgets deltas older than its age limit", async () => {
  const clock = new FakeClock();
  using hub = makeHub(clock, { historyMaxAgeMs: 1_000 });
  hub.publish("pnl", { n: 1 });
  await clock.advance(100);
  const { epoch } = hub.position("pnl");
  assert.equal(
    (await hub.resume("pnl", { since: 1, epoch })).resumed,
    true,
  );
  await clock.advance(1_001);
  assert.equal(
    (await hub.resume("pnl", { since: 1, epoch })).resumed,
    false,
  );
});

Deno.test("applying a subscriber's messages reproduces the hub's state at every seq", async () => {
  const clock = new FakeClock();
  using hub = makeHub(clock);
  let state: JsonObject = {};
  hub.subscribe("pnl", {}, {
    start(initial) {
      state = (initial[0]!.envelope as { data: JsonObject }).data;
    },
    live(m) {
      assert.ok(m.envelope.type === "delta");
      state = applyMergePatch(state, m.envelope.patch) as JsonObject;
      assert.deepEqual(state, hub.state("pnl"));
    },
  });
  assert.deepEqual(state, hub.state("pnl"), "started in the same turn");
  for (let i = 0; i < 50; i++) {
    hub.publish("pnl", { n: i % 7, [`k${i % 5}`]: i, nested: { v: i % 3 } });
    await clock.advance(i % 3 === 0 ? 100 : 30);
  }
});

Deno.test("Hub rejects unknown topics with unknown_topic and a state holding null", () => {
  const clock = new FakeClock();
  using hub = makeHub(clock);
  assert.throws(() => hub.snapshot("nope"), {
    name: "ProtocolError",
    code: "unknown_topic",
  });
  assert.throws(
    () => hub.publish("pnl", { n: null } as unknown as JsonObject),
    TypeError,
  );
});

Deno.test("Hub drops a subscriber whose sink throws and keeps serving the others", async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  using hub = makeHub(clock, { onSinkError: (_t, e) => errors.push(e) });
  let good = 0;
  hub.subscribe("pnl", {}, {
    start() {},
    live() {
      throw new Error("broken peer");
    },
  });
  hub.subscribe("pnl", {}, { start() {}, live: () => good++ });
  hub.publish("pnl", { n: 1 });
  await clock.advance(100);
  hub.publish("pnl", { n: 2 });
  await clock.advance(100);
  assert.equal(good, 2);
  assert.equal(errors.length, 1);
  assert.equal(hub.subscriberCount("pnl"), 1);
});

Deno.test("Hub.close() publishes the pending window and stops timers", async () => {
  const clock = new FakeClock();
  const hub = makeHub(clock);
  const got: HubMessage[] = [];
  hub.subscribe("pnl", {}, { start() {}, live: (m) => got.push(m) });
  hub.publish("pnl", { n: 1 });
  hub.close();
  assert.equal(got.length, 1);
  assert.equal(clock.pendingTimers, 0);
  hub.publish("pnl", { n: 2 });
  await clock.advance(1000);
  assert.equal(got.length, 1);
});

Deno.test("Hub.update adds to the newest state, so a contribution never puts older figures back over ones still in the batch window", async () => {
  const clock = new FakeClock();
  using hub = makeHub(clock);
  await clock.advance(100);
  hub.publish("pnl", { n: 1 });
  await clock.advance(0);
  assert.deepEqual(hub.state("pnl"), { n: 1 });
  // A burst of figures inside the next window, then an alert on the last.
  await clock.advance(10);
  hub.publish("pnl", { n: 2 });
  hub.publish("pnl", { n: 3 });
  hub.update("pnl", (latest) => ({ ...latest, alerts: ["n is 3"] }));
  assert.deepEqual(hub.state("pnl"), { n: 1 }, "still in the window");
  await clock.advance(100);
  assert.deepEqual(hub.state("pnl"), { n: 3, alerts: ["n is 3"] });
  // Quiet: the update works on the published state.
  await clock.advance(200);
  hub.update("pnl", (latest) => ({ ...latest, alerts: [] }));
  await clock.advance(0);
  assert.deepEqual(hub.state("pnl"), { n: 3, alerts: [] });
});
