import assert from "node:assert/strict";
import { endAtExpiry } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";
Deno.test("endAtExpiry() holds a stream open past a timer's 24.8-day limit: a 400-day viewer session ends at its end, not as it opens", async () => {
  const clock = new FakeClock();
  const told: string[] = [];
  const day = 86_400_000;
  const cancel = endAtExpiry(
    { expire: (m) => told.push(m) },
    clock.now() + 400 * day,
    clock,
  );
  await clock.advance(1);
  assert.equal(told.length, 0, "not at once");
  await clock.advance(399 * day);
  assert.equal(told.length, 0, "not a day early");
  await clock.advance(day);
  assert.equal(told.length, 1);
  cancel();
});
