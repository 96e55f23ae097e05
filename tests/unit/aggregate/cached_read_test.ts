import assert from "node:assert/strict";
import { cachedRead } from "@/lib/aggregate/mod.ts";
import { openReadingCache } from "@/lib/cache/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import type { Reading, Source } from "@/lib/sources/mod.ts";
import { FakeClock, ReportingCalendar } from "@/lib/time/mod.ts";

function counting(clock: FakeClock) {
  let calls = 0;
  const source: Source = {
    id: "shop",
    kind: "test",
    role: "revenue",
    read: (_signal, context) => {
      calls++;
      return Promise.resolve({
        source: "shop",
        role: "revenue",
        amountMinor: calls,
        currency: "USD",
        asOf: new Date(clock.now()).toISOString(),
        periodsAt: new Date(context?.periods.today.at ?? clock.now())
          .toISOString(),
      });
    },
  };
  return { source, calls: () => calls };
}

Deno.test("cachedRead: inside the TTL the cache answers, but a push (live) and a reading from before today began go to the upstream", async () => {
  const clock = new FakeClock({ start: Date.parse("2026-12-01T23:59:00Z") });
  using store = SqliteStore.open(":memory:");
  const cache = await openReadingCache<Reading>({ clock, store });
  const read = cachedRead(cache, { clock, ttlMs: () => 600_000 });
  const { source, calls } = counting(clock);
  const calendar = new ReportingCalendar();
  const context = () => ({ periods: calendar.periods(clock.now()) });
  const signal = new AbortController().signal;
  assert.equal((await read(source, signal, context())).origin, "live");
  assert.equal((await read(source, signal, context())).origin, "L1");
  assert.equal(calls(), 1);
  // A push: the upstream changed, whatever the TTL says.
  const pushed = await read(source, signal, { ...context(), live: true });
  assert.equal(pushed.origin, "live");
  assert.equal(calls(), 2);
  // Midnight: the cached reading's periods ended, so it is read again.
  await clock.advance(120_000);
  const after = await read(source, signal, context());
  assert.equal(after.origin, "live");
  assert.equal(calls(), 3);
  assert.equal((await read(source, signal, context())).origin, "L1");
});
