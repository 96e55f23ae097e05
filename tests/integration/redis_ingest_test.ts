/**
 * Pushed figures with Redis, against a real redis-server: concurrent
 * deliveries from several instances all land (serialized, not refused),
 * and a Redis restarted empty is refilled from the instances' SQLite
 * copies, so figures are not zeroed and redeliveries are not counted twice.
 */
import assert from "node:assert/strict";
import { RedisIngest, SqliteStore } from "@/lib/store/mod.ts";
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

const sum = (a: number, b: number) => a + b;

/** An instance as the engine wires one: its SQLite store, checking Redis. */
async function instance(url: string, path = ":memory:") {
  const redis = new RedisConnection({ url, clock: systemClock });
  await redis.connect();
  const store = SqliteStore.open(path);
  const ingest = new RedisIngest({
    redis,
    clock: systemClock,
    replica: store.ingest,
    checkMs: 100,
  });
  const stopRestoring = redis.onReady(() =>
    void ingest.check().catch(() => {})
  );
  const watching = ingest.watch();
  return {
    redis,
    ingest,
    store,
    add: (id: string, amount = 1) =>
      ingest.apply<number>(
        "shop",
        id,
        Date.now(),
        (p) => (p ?? 0) + amount,
        sum,
      ),
    total: () => ingest.latest<number>("shop", sum),
    async [Symbol.asyncDispose]() {
      watching[Symbol.dispose]();
      stopRestoring();
      await ingest.check().catch(() => {}); // nothing left running
      await redis.close();
      store.close();
    },
  };
}

/** Polls an async figure until it equals `want`. */
async function until(
  read: () => Promise<unknown>,
  want: unknown,
  what: string,
) {
  const end = Date.now() + 10_000;
  let got: unknown;
  // A read while the instances put their parts back is refused: wait on.
  while ((got = await read().catch((e) => e.name)) !== want) {
    if (Date.now() > end) {
      throw new Error(`${what}: ${got}, expected ${want}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("Redis ingest: 50 concurrent deliveries from two instances to one source all land, each once", async () => {
  await using redis = await startRedis();
  await using a = await instance(redis.url);
  await using b = await instance(redis.url);
  const outcomes = await Promise.all(
    Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).add(`evt_${i}`)),
  );
  assert.equal(outcomes.filter((o) => o.duplicate).length, 0);
  assert.equal(await a.total(), 50);
  // Redeliveries change nothing, whichever instance takes them.
  const again = await Promise.all([a.add("evt_7"), b.add("evt_8")]);
  assert.deepEqual(again.map((o) => o.duplicate), [true, true]);
  assert.equal(await b.total(), 50);
});

Deno.test("Redis ingest: Redis restarted empty is refilled from the instances' copies; the figure is not zeroed and a redelivery is not counted twice", async () => {
  const redis = await startRedis();
  await using a = await instance(redis.url);
  await using b = await instance(redis.url);
  for (let i = 0; i < 10; i++) await (i % 2 ? a : b).add(`evt_${i}`, 100);
  assert.equal(await a.total(), 1_000);
  await redis.stop();
  await using again = await startRedis(redis.port);
  await eventually(() => a.redis.up && b.redis.up, "both to reconnect");
  // Each instance puts its part back (at once on reconnecting, or at its
  // next check): the figure is whole again, never zeroed.
  await until(() => b.total(), 1_000, "the figure after the restart");
  // evt_3 went to a; its redelivery to b is recognised.
  assert.equal((await b.add("evt_3", 100)).duplicate, true);
  const next = await b.add("evt_10", 100);
  assert.deepEqual(next, { duplicate: false, value: 1_100 });
  assert.ok(again.url);
});

Deno.test("Redis ingest: FLUSHALL under two instances brings back both instances' parts, not the reader's stale copy; every redelivery to either is a duplicate", async () => {
  await using redis = await startRedis();
  await using a = await instance(redis.url);
  await using b = await instance(redis.url);
  await a.add("evt_a", 3_000);
  assert.equal(await a.total(), 3_000, "the leader's read before b's event");
  // b takes an event the leader has not read yet: a's copy is stale.
  await b.add("evt_b", 3_000);
  await redis.flushAll();
  // The leader reads at once and on: until every instance has put its
  // part back it gets no figure (the board keeps the last one, stale),
  // then the whole one; never 3,000 and never 0.
  const seen = new Set<number | string | undefined>();
  const end = Date.now() + 1_500;
  while (Date.now() < end) {
    seen.add(await a.total().catch((e) => e.name));
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.deepEqual([...seen], ["IngestSettlingError", 6_000]);
  for (
    const [who, id] of [[a, "evt_a"], [a, "evt_b"], [b, "evt_a"], [
      b,
      "evt_b",
    ]] as const
  ) {
    const again = await who.add(id, 3_000);
    assert.deepEqual(again, { duplicate: true, value: 6_000 }, id);
  }
  assert.deepEqual(await a.add("evt_c", 1_000), {
    duplicate: false,
    value: 7_000,
  });
});

Deno.test("Redis ingest: a delivery stored in SQLite but not in Redis (a crash in between) is kept when nobody else counted it, and taken back when another instance did", async () => {
  await using redis = await startRedis();
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/a.db`;
    {
      // a dies after its SQLite commit, before Redis's: as the code does it.
      const store = SqliteStore.open(path);
      store.ingest.apply<number>("shop", "evt_1", Date.now(), () => 500, sum, {
        pending: true,
      });
      store.ingest.apply<number>(
        "shop",
        "evt_2",
        Date.now(),
        (p) => (p ?? 0) + 700,
        sum,
        {
          pending: true,
        },
      );
      store.close();
    }
    // The sender of evt_2 had no answer and retried at b, which counted it.
    await using b = await instance(redis.url);
    await b.add("evt_2", 700);
    await using a = await instance(redis.url, path);
    // a's restart: evt_2 was b's, taken back; evt_1 was nobody's, kept.
    await until(() => a.total(), 1_200, "a's part without evt_2");
    assert.equal((await a.add("evt_1", 500)).duplicate, true);
    assert.equal((await b.add("evt_1", 500)).duplicate, true);
    assert.equal(await b.total(), 1_200);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
    const store = new RedisIngest({
      redis: connection,
      clock: systemClock,
      settleMs: 200,
    });
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
    // Refused while any other instance might still put a part back, then
    // for good: never a live zero.
    await assert.rejects(shop.read());
    await new Promise((r) => setTimeout(r, 250));
    await assert.rejects(shop.read(), UpstreamDataError);
    assert.ok(again.url);
  } finally {
    await connection.close();
  }
});
