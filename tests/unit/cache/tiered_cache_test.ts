import assert from "node:assert/strict";
import { type CacheEntry, MemoryTier, TieredCache } from "@/lib/cache/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

function setup() {
  const clock = new FakeClock({ start: 1_000_000 });
  const l1 = new MemoryTier<number>();
  const l2 = new MemoryTier<number>({ name: "L2" }); // stands in for Redis in unit tests; the real one is tested in integration
  const store = SqliteStore.open(":memory:");
  const l3 = store
    .readings as unknown as import("@/lib/cache/mod.ts").CacheTier<number>;
  const l4 = new MemoryTier<number>({ name: "L4" });
  const cache = new TieredCache<number>({ clock, l1, l2, l3, l4 });
  return { clock, l1, l2, l3, l4, cache, store };
}

const fail = () => Promise.reject(new Error("upstream 503"));

Deno.test("TieredCache: a fresh L1 answers; then a fresh L2 (promoted to L1); else the upstream, written through to every tier", async () => {
  const { clock, l1, l2, l3, l4, cache, store } = setup();
  using _ = store;
  const first = await cache.read("k", 1000, () => Promise.resolve(1));
  assert.deepEqual([first.origin, first.value, first.fresh], ["live", 1, true]);
  for (const tier of [l1, l2, l3, l4]) {
    assert.equal((await tier.get("k"))?.value, 1, tier.name);
  }
  assert.equal((await cache.read("k", 1000, fail)).origin, "L1");
  await clock.advance(1000);
  await l2.set("k", {
    value: 2,
    storedAt: clock.now(),
    expiresAt: clock.now() + 1000,
  });
  const fromL2 = await cache.read("k", 1000, fail);
  assert.deepEqual([fromL2.origin, fromL2.value], ["L2", 2]);
  assert.equal((await cache.read("k", 1000, fail)).origin, "L1", "promoted");
});

Deno.test("TieredCache: when the upstream fails, the freshest stored value stands in, tagged with its tier, age and the error", async () => {
  const { clock, l2, l3, l4, cache, store } = setup();
  using _ = store;
  const entry = (value: number, storedAt: number): CacheEntry<number> => ({
    value,
    storedAt,
    expiresAt: storedAt + 10,
  });
  await l4.set("k", entry(4, 100));
  await l3.set("k", entry(3, 300));
  await l2.set("k", entry(2, 200));
  const got = await cache.read("k", 1000, fail);
  assert.deepEqual([got.origin, got.value, got.fresh, got.storedAt], [
    "L3",
    3,
    false,
    300,
  ]);
  assert.match(String(got.error), /upstream 503/);
  await l2.set("k", entry(22, 400)); // an expired L2 value still counts when it is the freshest
  assert.equal((await cache.read("k", 1000, fail)).origin, "L2");
  void clock;
});

Deno.test("TieredCache: with nothing stored anywhere, the upstream's error is thrown", async () => {
  const { cache, store } = setup();
  using _ = store;
  await assert.rejects(cache.read("nothing", 1000, fail), /upstream 503/);
});

Deno.test("TieredCache: 1,000 concurrent reads of a cold key make exactly one upstream call", async () => {
  const { cache, store } = setup();
  using _ = store;
  let calls = 0;
  const slow = () =>
    new Promise<number>((r) => setTimeout(() => r(++calls), 5));
  const results = await Promise.all(
    Array.from({ length: 1000 }, () => cache.read("cold", 1000, slow)),
  );
  assert.equal(calls, 1);
  assert.ok(results.every((r) => r.value === 1));
});

Deno.test("MemoryTier stays within its bound, evicting the least recently used", async () => {
  const tier = new MemoryTier<number>({ maxEntries: 3 });
  for (const k of ["a", "b", "c"]) {
    await tier.set(k, { value: 1, storedAt: 0, expiresAt: 1 });
  }
  await tier.get("a"); // a is now the most recent
  await tier.set("d", { value: 1, storedAt: 0, expiresAt: 1 });
  assert.equal(tier.size, 3);
  assert.equal(await tier.get("b"), undefined);
  assert.ok(await tier.get("a"));
});

Deno.test("SqliteStore seeds last-known values: entries() returns every stored reading", () => {
  using store = SqliteStore.open(":memory:");
  store.readings.set("source:x", {
    value: { amountMinor: 5 },
    storedAt: 10,
    expiresAt: 20,
  });
  assert.deepEqual(store.readings.entries(), [["source:x", {
    value: { amountMinor: 5 },
    storedAt: 10,
    expiresAt: 20,
  }]]);
});
