/**
 * Pushed figures with Redis, against a real redis-server: concurrent
 * deliveries from several instances all land (serialized, not refused),
 * and a Redis restarted empty is refilled from the instances' SQLite
 * copies, so figures are not zeroed and redeliveries are not counted twice.
 */
import assert from "node:assert/strict";
import { RedisIngest, SqliteStore } from "@/lib/cache/mod.ts";
import { RedisConnection } from "@/lib/redis/mod.ts";
import { systemClock } from "@/lib/time/mod.ts";
import { startRedis } from "../_helpers/redis_server.ts";

async function eventually(check: () => boolean, what: string, ms = 15_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function instance(url: string) {
  const redis = new RedisConnection({ url, clock: systemClock });
  await redis.connect();
  const store = SqliteStore.open(":memory:");
  const ingest = new RedisIngest({
    redis,
    clock: systemClock,
    replica: store.ingest,
  });
  const stopRestoring = redis.onReady(() => void ingest.restoreAll());
  return {
    redis,
    ingest,
    add: (id: string, amount = 1) =>
      ingest.apply<number>("shop", id, Date.now(), (p) => (p ?? 0) + amount),
    async [Symbol.asyncDispose]() {
      stopRestoring();
      await redis.close();
      store.close();
    },
  };
}

Deno.test("Redis ingest: 50 concurrent deliveries from two instances to one source all land, each once", async () => {
  await using redis = await startRedis();
  await using a = await instance(redis.url);
  await using b = await instance(redis.url);
  const outcomes = await Promise.all(
    Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).add(`evt_${i}`)),
  );
  assert.equal(outcomes.filter((o) => o.duplicate).length, 0);
  assert.equal(await a.ingest.latest<number>("shop"), 50);
  // Redeliveries change nothing, whichever instance takes them.
  const again = await Promise.all([a.add("evt_7"), b.add("evt_8")]);
  assert.deepEqual(again.map((o) => o.duplicate), [true, true]);
  assert.equal(await b.ingest.latest<number>("shop"), 50);
});

Deno.test("Redis ingest: Redis restarted empty is refilled from the instances' copies; the figure is not zeroed and a redelivery is not counted twice", async () => {
  const redis = await startRedis();
  await using a = await instance(redis.url);
  await using b = await instance(redis.url);
  for (let i = 0; i < 10; i++) await (i % 2 ? a : b).add(`evt_${i}`, 100);
  assert.equal(await a.ingest.latest<number>("shop"), 1_000);
  await redis.stop();
  await using again = await startRedis(redis.port);
  await eventually(() => a.redis.up && b.redis.up, "both to reconnect");
  // The leader's read refills the figure from its own copy at once.
  assert.equal(await b.ingest.latest<number>("shop"), 1_000, "not zeroed");
  // Each instance also refills Redis with its copy and the event ids it
  // took when Redis is back (its onReady runs this; awaited here).
  await a.ingest.restoreAll();
  await b.ingest.restoreAll();
  // evt_3 went to a; its redelivery to b is recognised.
  assert.equal((await b.add("evt_3", 100)).duplicate, true);
  const next = await b.add("evt_10", 100);
  assert.deepEqual(next, { duplicate: false, value: 1_100 });
  assert.ok(again.url);
});

Deno.test("Redis ingest: a pushed figure that Redis lost with no copy left goes stale, not a live zero", async () => {
  const { WebhookSource, UpstreamDataError } = await import(
    "@/lib/sources/mod.ts"
  );
  const { signWebhook } = await import("@/lib/security/mod.ts");
  const redis = await startRedis();
  const connection = new RedisConnection({
    url: redis.url,
    clock: systemClock,
  });
  await connection.connect();
  try {
    // No SQLite copy: the case no instance can repair.
    const store = new RedisIngest({ redis: connection, clock: systemClock });
    const shop = new WebhookSource({
      id: "shop",
      role: "revenue",
      currency: "USD",
      secrets: ["whsec_lost"],
      mode: "increment",
      toleranceS: 300,
      maxBodyBytes: 65_536,
      store,
      clock: systemClock,
    });
    assert.equal(
      (await shop.read()).amountMinor,
      0,
      "a new source starts at 0",
    );
    const body = new TextEncoder().encode('{"id":"evt_1","amountMinor":1250}');
    await shop.ingest(
      body,
      await signWebhook("whsec_lost", Math.floor(Date.now() / 1000), body),
    );
    assert.equal((await shop.read()).amountMinor, 1250);
    await redis.stop();
    await using again = await startRedis(redis.port);
    await eventually(() => connection.up, "the reconnection");
    await assert.rejects(shop.read(), UpstreamDataError);
    assert.ok(again.url);
  } finally {
    await connection.close();
  }
});
