import assert from "node:assert/strict";
import { applyMergePatch, type JsonObject } from "@/lib/protocol/mod.ts";
import { Hub, type HubMessage, TopicFeed } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

// A large member that never changes, as in a real board: deltas stay small.
const fixed = "x".repeat(2000);

function setup(options: { maxBehindMs?: number } = {}) {
  const clock = new FakeClock();
  const hub = new Hub({
    clock,
    topics: { pnl: { n: 0, fixed } },
    batchMs: 10,
  });
  const written: HubMessage[] = [];
  const events: string[] = [];
  const outlet = {
    backlogBytes: 0,
    write: (m: HubMessage) => void written.push(m),
    onSlow: () => void events.push("slow"),
    onGone: () => void events.push("gone"),
    onCatchUp: (skipped: number) => void events.push(`catch_up:${skipped}`),
  };
  const feed = new TopicFeed(hub, "pnl", {}, outlet, {
    clock,
    highWaterBytes: 1000,
    lowWaterBytes: 100,
    drainCheckMs: 50,
    maxBehindMs: options.maxBehindMs ?? 10_000,
  });
  return { clock, hub, outlet, written, events, feed };
}

Deno.test("TopicFeed holds nothing back while the outlet keeps up", async () => {
  const { clock, hub, written, feed } = setup();
  for (let n = 1; n <= 5; n++) {
    hub.publish("pnl", { n, fixed });
    await clock.advance(10);
  }
  assert.deepEqual(written.map((m) => m.envelope.seq), [1, 2, 3, 4, 5, 6]);
  feed.stop();
  hub.close();
});

Deno.test("TopicFeed catches a backed-up subscriber up with one composed delta, queueing nothing meanwhile", async () => {
  const { clock, hub, outlet, written, events, feed } = setup();
  outlet.backlogBytes = 5000; // the client stopped reading
  for (let n = 1; n <= 50; n++) {
    hub.publish("pnl", { n, fixed, [`k${n % 3}`]: n });
    await clock.advance(10);
  }
  assert.equal(
    written.length,
    1,
    "only the initial snapshot; no deltas queued while backed up",
  );
  assert.equal(feed.behind, true);
  outlet.backlogBytes = 50; // drained
  await clock.advance(50);
  assert.equal(written.length, 2);
  const catchUp = written[1]!.envelope;
  assert.ok(catchUp.type === "delta");
  assert.equal(catchUp.base, 1);
  assert.equal(catchUp.seq, 51);
  const snapshot = written[0]!.envelope;
  assert.ok(snapshot.type === "snapshot");
  assert.deepEqual(
    applyMergePatch(snapshot.data, catchUp.patch) as JsonObject,
    hub.state("pnl"),
  );
  assert.deepEqual(events, ["catch_up:50"]);
  hub.publish("pnl", { n: 99, fixed });
  await clock.advance(10);
  assert.equal(written.length, 3, "live again");
  feed.stop();
  hub.close();
});

Deno.test("TopicFeed notices a backlog that builds mid-stream within 8 messages, looking at the outlet only every 8th while it is empty", async () => {
  const { clock, hub, outlet, written, feed } = setup();
  let looks = 0;
  let backlog = 0;
  Object.defineProperty(outlet, "backlogBytes", {
    get: () => (looks++, backlog),
  });
  for (let n = 1; n <= 16; n++) {
    hub.publish("pnl", { n, fixed });
    await clock.advance(10);
  }
  assert.equal(written.length, 17);
  assert.ok(looks <= 3, `${looks} looks for 16 messages`);
  backlog = 5000; // the client stops reading
  for (let n = 17; n <= 30; n++) {
    hub.publish("pnl", { n, fixed });
    await clock.advance(10);
  }
  assert.equal(feed.behind, true);
  assert.ok(
    written.length <= 17 + 8,
    `${written.length - 17} written after the stall`,
  );
  feed.stop();
  hub.close();
});

Deno.test("TopicFeed gives up on a subscriber that stays backed up past maxBehindMs", async () => {
  const { clock, hub, outlet, events, feed } = setup({ maxBehindMs: 1000 });
  outlet.backlogBytes = 5000;
  hub.publish("pnl", { n: 1, fixed });
  await clock.advance(10);
  await clock.advance(999);
  assert.deepEqual(events, []);
  await clock.advance(60);
  assert.deepEqual(events, ["slow"]);
  assert.equal(hub.subscriberCount("pnl"), 0);
  assert.equal(clock.pendingTimers, 0);
  feed.stop();
  hub.close();
});

Deno.test("Hub.catchUp() shares one composed message among subscribers behind at the same seq", async () => {
  const clock = new FakeClock();
  using hub = new Hub({ clock, topics: { pnl: { n: 0 } }, batchMs: 10 });
  for (let n = 1; n <= 5; n++) {
    hub.publish("pnl", { n });
    await clock.advance(10);
  }
  const epoch = hub.epoch;
  const a = hub.catchUp("pnl", { since: 2, epoch });
  const b = hub.catchUp("pnl", { since: 2, epoch });
  assert.equal(a[0], b[0]);
  assert.deepEqual(hub.catchUp("pnl", { since: 6, epoch }), []);
  assert.equal(
    hub.catchUp("pnl", { since: 2, epoch: "another" })[0]?.envelope.type,
    "snapshot",
  );
});

Deno.test("Hub.catchUp() falls back to a snapshot when patches cannot compose exactly", async () => {
  const clock = new FakeClock();
  using hub = new Hub({ clock, topics: { pnl: { o: { x: 1 } } }, batchMs: 10 });
  hub.publish("pnl", { o: 5 });
  await clock.advance(10);
  hub.publish("pnl", { o: { y: 2 } });
  await clock.advance(10);
  const [m] = hub.catchUp("pnl", { since: 1, epoch: hub.epoch });
  assert.equal(m?.envelope.type, "snapshot");
});

Deno.test("TopicFeed sends a snapshot instead of a composed delta larger than the state", async () => {
  const clock = new FakeClock();
  using hub = new Hub({ clock, topics: { pnl: { n: 0 } }, batchMs: 10 });
  const written: HubMessage[] = [];
  const outlet = {
    backlogBytes: 5000,
    write: (m: HubMessage) => void written.push(m),
    onSlow() {},
    onGone() {},
  };
  const feed = new TopicFeed(hub, "pnl", {}, outlet, {
    clock,
    highWaterBytes: 1000,
    lowWaterBytes: 100,
  });
  for (let n = 1; n <= 10; n++) {
    hub.publish("pnl", { n, [`k${n}`]: n });
    await clock.advance(10);
  }
  outlet.backlogBytes = 0;
  await clock.advance(50);
  assert.equal(written.at(-1)?.envelope.type, "snapshot");
  assert.equal(written.at(-1)?.envelope.seq, 11);
  feed.stop();
});
