import assert from "node:assert/strict";
import { Simulator } from "@/lib/sources/mod.ts";
import { FakeClock, seededRandom } from "@/lib/time/mod.ts";

Deno.test("Simulator: costs only grow, revenue moves in lumps, trading walks both ways, all integers", async () => {
  const clock = new FakeClock();
  const sim = new Simulator({
    clock,
    random: seededRandom(42),
    intervalMs: 1000,
  });
  let prev = sim.figures();
  let revenueSteps = 0;
  let tradingUp = 0;
  let tradingDown = 0;
  for (let i = 0; i < 500; i++) {
    await clock.advance(1000);
    const f = sim.figures();
    assert.ok(f.costsMinor > prev.costsMinor, "costs grow every step");
    assert.ok(f.revenueMinor >= prev.revenueMinor);
    if (f.revenueMinor > prev.revenueMinor) {
      revenueSteps++;
      assert.ok(
        f.revenueMinor - prev.revenueMinor >= 1900,
        "revenue arrives in lumps",
      );
    }
    if (f.tradingMinor > prev.tradingMinor) tradingUp++;
    if (f.tradingMinor < prev.tradingMinor) tradingDown++;
    for (const v of Object.values(f)) assert.ok(Number.isSafeInteger(v));
    prev = f;
  }
  assert.ok(
    revenueSteps > 30 && revenueSteps < 200,
    `${revenueSteps} revenue steps`,
  );
  assert.ok(tradingUp > 100 && tradingDown > 100);
});

Deno.test("Simulator sources read the figures with asOf at the last step", async () => {
  const clock = new FakeClock({
    start: Date.parse("2026-11-28T13:00:00.000Z"),
  });
  const sim = new Simulator({
    clock,
    initial: { revenueMinor: 100, costsMinor: 5, tradingMinor: -7 },
  });
  const [revenue, costs, trading] = sim.sources();
  assert.equal((await revenue!.read()).amountMinor, 100);
  assert.equal((await trading!.read()).amountMinor, -7);
  await clock.advance(2500);
  const reading = await costs!.read();
  assert.equal(reading.role, "expense");
  assert.equal(reading.asOf, "2026-11-28T13:00:02.000Z");
  assert.equal(reading.currency, "USD");
});

Deno.test("Simulator refuses a non-integer starting figure", () => {
  assert.throws(
    () =>
      new Simulator({
        clock: new FakeClock(),
        initial: { revenueMinor: 1.5, costsMinor: 0, tradingMinor: 0 },
      }),
    /initial\.revenueMinor' must be a safe integer/,
  );
});

Deno.test("Simulator flows report every period from what moved and when; its balance is a stock of everything that moved", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  const clock = new FakeClock({ start: Date.parse("2026-12-02T10:00:00Z") });
  const sim = new Simulator({
    clock,
    random: seededRandom(7),
    intervalMs: 1000,
  });
  const costs = sim.source("costs", "costs");
  const balance = sim.source("cash", "balance");
  assert.equal(costs.nature, "flow");
  assert.equal(balance.nature, "stock");
  await clock.advance(120_000);
  const calendar = new ReportingCalendar();
  const context = { periods: calendar.periods(clock.now()) };
  const reading = await costs.read(undefined, context);
  const moved = sim.figures().costsMinor;
  assert.ok(moved > 0);
  // Everything moved since the start, today, this week, month, year.
  for (const p of ["today", "wtd", "mtd", "qtd", "ytd"] as const) {
    assert.equal(reading.periods?.[p].amountMinor, moved, p);
    assert.equal(reading.periods?.[p].previousMinor, 0, p);
  }
  assert.equal(reading.amountMinor, moved);
  assert.equal(reading.periodsAt, "2026-12-02T10:02:00.000Z");
  const cash = await balance.read(undefined, context);
  const f = sim.figures();
  assert.equal(cash.periods, undefined);
  assert.equal(
    cash.amountMinor,
    2_500_000 + f.revenueMinor - f.costsMinor + f.tradingMinor,
  );
});

Deno.test("Simulator history is the same on every start and gives last week and last year something to compare with", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  const clock = new FakeClock({ start: Date.parse("2026-12-02T10:00:00Z") });
  const read = async () => {
    const sim = new Simulator({
      clock,
      history: true,
      random: seededRandom(1),
    });
    const context = { periods: new ReportingCalendar().periods(clock.now()) };
    return (await sim.source("r", "revenue").read(undefined, context)).periods!;
  };
  const [a, b] = [await read(), await read()];
  assert.deepEqual(a.ytd, b.ytd);
  assert.ok(a.ytd.previousMinor > 0 && a.wtd.previousMinor > 0);
  assert.ok(a.ytd.amountMinor > a.mtd.amountMinor);
});
