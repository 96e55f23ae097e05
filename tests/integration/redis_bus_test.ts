import assert from "node:assert/strict";
import { LeaderLease, SharedBus } from "@/lib/cluster/mod.ts";
import { RedisConnection } from "@/lib/redis/mod.ts";
import { type JsonObject } from "@/lib/protocol/mod.ts";
import { Hub, type HubMessage } from "@/lib/stream/mod.ts";
import { systemClock } from "@/lib/time/mod.ts";
import { startRedis } from "../_helpers/redis_server.ts";

async function eventually(check: () => boolean, what: string, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function instance(url: string, name: string, historyMaxAgeMs = 300_000) {
  const redis = new RedisConnection({ url, clock: systemClock });
  const lease = new LeaderLease({
    run: (s, k, a) => redis.run(s, k, a),
    key: redis.key("leader"),
    instanceId: name,
    clock: systemClock,
    leaseMs: 600,
    onChange: () => {},
  });
  const bus: SharedBus = new SharedBus({
    redis,
    fencing: lease,
    shared: ["pnl"],
    states: (t): JsonObject => hub.state(t),
    newEpoch: () => `ep${crypto.randomUUID().slice(0, 8)}`,
    onSync: (epoch, topics) => hub.sync(epoch, topics),
    historyCount: 100,
  });
  const hub: Hub = new Hub({
    clock: systemClock,
    topics: { pnl: { n: 0 } },
    bus,
    batchMs: 0,
    historyMaxAgeMs,
    olderHistory: (topic, since) => bus.readAfter(topic, since),
  });
  const seen: HubMessage[] = [];
  const sub = hub.subscribe("pnl", {}, {
    start() {},
    live: (m) => seen.push(m),
  });
  return {
    hub,
    bus,
    lease,
    seen,
    /** Connects to Redis and joins the shared epoch. */
    async connect() {
      await redis.connect();
      await bus.connect();
    },
    async [Symbol.asyncDispose]() {
      sub.unsubscribe();
      await lease.stop();
      hub.close();
      await bus.close();
      await redis.close();
    },
  };
}

Deno.test("Redis bus: the leader's deltas reach a follower with the same epoch and seq; a follower cannot publish", async () => {
  await using redis = await startRedis();
  await using a = instance(redis.url, "a");
  await using b = instance(redis.url, "b");
  await a.connect();
  await b.connect();
  assert.equal(a.hub.epoch, b.hub.epoch);
  await a.lease.tick();
  await b.lease.tick();
  assert.equal(a.lease.leader, true);
  assert.equal(b.lease.leader, false);
  for (let n = 1; n <= 5; n++) a.hub.publish("pnl", { n });
  await eventually(
    () => b.hub.state("pnl").n === 5 && a.hub.state("pnl").n === 5,
    "n = 5 on both",
  );
  assert.deepEqual(a.hub.position("pnl"), b.hub.position("pnl"));
  const deltas = (xs: HubMessage[]) =>
    xs.filter((m) => m.envelope.type === "delta").map((m) => m.text);
  assert.deepEqual(deltas(b.seen), deltas(a.seen));
  // A follower's offer is refused and never reaches anyone.
  b.hub.publish("pnl", { n: 99 });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(a.hub.state("pnl").n, 5);
  // A late joiner resumes from the stream with no snapshot.
  await using c = instance(redis.url, "c");
  await c.connect();
  assert.equal(c.hub.position("pnl").seq, a.hub.position("pnl").seq);
  const resumed = await c.hub.resume("pnl", { since: 2, epoch: a.hub.epoch });
  assert.equal(resumed.resumed, true);
  assert.equal(resumed.messages.length, a.hub.position("pnl").seq - 2);
});

Deno.test("Redis bus: the lease passes to another instance when the leader stops renewing, and seq continues", async () => {
  await using redis = await startRedis();
  await using a = instance(redis.url, "a");
  await using b = instance(redis.url, "b");
  await a.connect();
  await b.connect();
  await a.lease.tick();
  a.hub.publish("pnl", { n: 1 });
  await eventually(() => b.hub.state("pnl").n === 1, "n = 1 on b");
  const before = b.hub.position("pnl").seq;
  // Both know who holds the lease, and its fencing token.
  await b.lease.tick();
  assert.equal(a.lease.holder, a.lease.fence);
  assert.equal(b.lease.holder, a.lease.fence);
  assert.match(b.lease.holder!, /^a:\d+$/);
  // a stalls (never renews); b campaigns until the lease runs out.
  b.lease.start();
  await eventually(() => b.lease.leader, "b to lead", 3_000);
  assert.equal(b.lease.holder, b.lease.fence);
  assert.match(b.lease.holder!, /^b:\d+$/);
  b.hub.publish("pnl", { n: 2 });
  await eventually(() => a.hub.state("pnl").n === 2, "n = 2 on a");
  assert.equal(a.hub.position("pnl").seq, before + 1);
  // The stale leader's fencing value is refused.
  a.hub.publish("pnl", { n: 3 });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(b.hub.state("pnl").n, 2);
});

Deno.test("Redis bus: Redis restarted empty gives a new epoch, every subscriber a snapshot, and publishing resumes", async () => {
  await using redis = await startRedis();
  await using a = instance(redis.url, "a");
  await using b = instance(redis.url, "b");
  await a.connect();
  await b.connect();
  await a.lease.tick();
  a.hub.publish("pnl", { n: 1 });
  await eventually(() => b.hub.state("pnl").n === 1, "n = 1 on b");
  const oldEpoch = a.hub.epoch;
  await redis.stop();
  await redis.restart();
  await eventually(
    () => a.hub.epoch !== oldEpoch && b.hub.epoch === a.hub.epoch,
    "a new shared epoch",
    8_000,
  );
  assert.equal(b.seen.at(-1)?.envelope.type, "snapshot");
  assert.equal(b.hub.state("pnl").n, 1, "the figures survive");
  // The lease went with Redis: the leader finds out at its next renewal
  // and campaigns again; the refused change is offered until it lands.
  a.lease.start();
  a.hub.publish("pnl", { n: 2 });
  await eventually(() => b.hub.state("pnl").n === 2, "n = 2 on b", 5_000);
});

Deno.test("Redis bus: a resume older than an instance's own history is served from the Redis Stream, not with a snapshot", async () => {
  await using redis = await startRedis();
  await using a = instance(redis.url, "a");
  // b keeps only 50 ms of history locally; the stream keeps 100 deltas.
  await using b = instance(redis.url, "b", 50);
  await a.connect();
  await b.connect();
  await a.lease.tick();
  for (let n = 1; n <= 6; n++) {
    a.hub.publish("pnl", { n }); // one delta each
    await eventually(() => b.hub.state("pnl").n === n, `n = ${n} on b`);
  }
  await new Promise((r) => setTimeout(r, 120)); // b's own history ages out
  const epoch = b.hub.epoch;
  const since = b.hub.position("pnl").seq - 4;
  const answer = b.hub.resume("pnl", { since, epoch });
  assert.ok(answer instanceof Promise, "not from b's own history");
  const shared = await answer;
  assert.equal(shared.resumed, true);
  assert.deepEqual(
    shared.messages.map((m) =>
      m.envelope.type === "delta" ? m.envelope.base : -1
    ),
    [since, since + 1, since + 2, since + 3],
  );
  // The same through a subscription: initial deltas, then live ones.
  const seen: HubMessage[] = [];
  const started = Promise.withResolvers<boolean>();
  const sub = b.hub.subscribe("pnl", { since, epoch }, {
    start: (initial, resumed) => {
      assert.equal(initial.length, 4);
      started.resolve(resumed);
    },
    live: (m) => seen.push(m),
  });
  assert.equal(await started.promise, true);
  a.hub.publish("pnl", { n: 7 });
  await eventually(() => seen.length === 1, "a live delta after the resume");
  assert.equal(
    seen[0]!.envelope.type === "delta" && seen[0]!.envelope.base,
    since + 4,
  );
  sub.unsubscribe();
});
