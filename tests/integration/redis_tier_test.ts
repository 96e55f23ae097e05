import assert from "node:assert/strict";
import { MemoryTier, RedisTier, TieredCache } from "@/lib/cache/mod.ts";
import { RedisConnection } from "@/lib/redis/mod.ts";
import { systemClock } from "@/lib/time/mod.ts";
import { startRedis } from "../_helpers/redis_server.ts";

async function until(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("RedisTier shares versioned values with TTL through a real redis-server", async () => {
  await using redis = await startRedis();
  // Two processes, each with its own connection.
  await using one = new RedisConnection({ url: redis.url, clock: systemClock });
  await using two = new RedisConnection({ url: redis.url, clock: systemClock });
  await one.connect();
  await two.connect();
  const a = new RedisTier<number>({ redis: one, clock: systemClock });
  const b = new RedisTier<number>({ redis: two, clock: systemClock });
  const now = Date.now();
  await a.set("shared", { value: 42, storedAt: now, expiresAt: now + 1000 });
  assert.deepEqual(await b.get("shared"), {
    value: 42,
    storedAt: now,
    expiresAt: now + 1000,
  });
  assert.equal(b.stats.hits, 1);
  assert.equal(await b.get("missing"), undefined);
  assert.equal(b.stats.misses, 1);
});

Deno.test("Redis killed mid-run: reads keep answering from the other tiers without errors; restarted: L2 is used again", async () => {
  const redis = await startRedis();
  const errors: string[] = [];
  await using connection = new RedisConnection({
    url: redis.url,
    clock: systemClock,
    onError: (e) => errors.push(String(e)),
  });
  await connection.connect();
  const l2 = new RedisTier<number>({ redis: connection, clock: systemClock });
  const cache = new TieredCache<number>({
    clock: systemClock,
    l1: new MemoryTier(),
    l2,
    l4: new MemoryTier({ name: "L4" }),
  });
  let upstream = 0;
  assert.equal(
    (await cache.read("k", 0, () => Promise.resolve(++upstream))).origin,
    "live",
  );

  await redis.stop("SIGKILL");
  await until(() => !l2.up);
  // With Redis down the tier is skipped without waiting on it, and a failing
  // upstream still gets an answer from the last-known tier.
  const down = await cache.read(
    "k",
    0,
    () => Promise.reject(new Error("upstream down")),
  );
  assert.equal(down.origin, "L4");
  assert.equal(
    (await cache.read("k", 0, () => Promise.resolve(++upstream))).origin,
    "live",
  );
  assert.ok(errors.length > 0, "the outage was reported");

  await using again = await startRedis(redis.port);
  await until(() => l2.up, 15_000);
  await cache.read("k", 60_000, () => Promise.resolve(++upstream)); // written through to Redis again
  await using other = new RedisConnection({
    url: again.url,
    clock: systemClock,
  });
  await other.connect();
  const direct = new RedisTier<number>({ redis: other, clock: systemClock });
  assert.equal((await direct.get("k"))?.value, upstream);
});
