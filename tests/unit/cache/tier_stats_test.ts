import assert from "node:assert/strict";
import { MemoryTier, TieredCache } from "@/lib/cache/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("TieredCache: a read inside the TTL is served by L1 without an upstream call and counts one L1 hit; an expired entry counts a miss", async () => {
  const clock = new FakeClock();
  const l1 = new MemoryTier<number>();
  const cache = new TieredCache<number>({
    clock,
    l1,
    l4: new MemoryTier({ name: "L4" }),
  });
  let upstream = 0;
  const fetch = () => Promise.resolve(++upstream);

  assert.equal((await cache.read("k", 1_000, fetch)).origin, "live");
  assert.deepEqual([l1.stats.hits, l1.stats.misses], [0, 1]);

  await clock.advance(999);
  const cached = await cache.read("k", 1_000, fetch);
  assert.equal(cached.origin, "L1");
  assert.equal(cached.value, 1);
  assert.equal(upstream, 1);
  assert.deepEqual([l1.stats.hits, l1.stats.misses], [1, 1]);

  await clock.advance(1);
  assert.equal((await cache.read("k", 1_000, fetch)).origin, "live");
  assert.equal(upstream, 2);
  assert.deepEqual([l1.stats.hits, l1.stats.misses], [1, 2]);
});
