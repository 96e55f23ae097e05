import assert from "node:assert/strict";
import { netOf, periodWindows, sourceAmount } from "@/lib/protocol/mod.ts";
import { buildPnlState, periodTotals } from "@/lib/aggregate/mod.ts";
import type { Reading } from "@/lib/sources/mod.ts";
import { PERIOD_NAMES, ReportingCalendar } from "@/lib/time/mod.ts";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const same = (amountMinor: number, previousMinor: number) =>
  Object.fromEntries(
    PERIOD_NAMES.map((p) => [p, { amountMinor, previousMinor }]),
  ) as Reading["periods"];

function flow(
  source: string,
  role: Reading["role"],
  amountMinor: number,
  previousMinor: number,
): Reading {
  return {
    source,
    role,
    amountMinor,
    currency: "USD",
    asOf: new Date(NOW).toISOString(),
    periods: same(amountMinor, previousMinor),
    periodsAt: new Date(NOW).toISOString(),
  };
}

Deno.test("periods: net = revenue - expenses + trading in every period and its previous one; a balance is never summed", () => {
  const calendar = new ReportingCalendar();
  const t = periodTotals(
    {
      shop: flow("shop", "revenue", 10_000, 8_000),
      api: flow("api", "expense", 1_500, 1_000),
      bets: flow("bets", "trading", -500, 200),
      cash: {
        source: "cash",
        role: "trading",
        nature: "stock",
        amountMinor: 9_999_999,
        currency: "USD",
        asOf: "2026-12-02T11:59:00.000Z",
      },
    },
    calendar,
    NOW,
  );
  for (const name of PERIOD_NAMES) {
    const p = t.periods[name];
    assert.equal(p.netMinor, 10_000 - 1_500 - 500, name);
    assert.equal(netOf(p.previous), 8_000 - 1_000 + 200, name);
    assert.equal("netMinor" in p.previous, false, "derived, not sent");
    assert.deepEqual(p.sources.shop, {
      amountMinor: 10_000,
      previousMinor: 8_000,
    });
    assert.equal(p.sources.cash, undefined, "a balance is in no period");
  }
});

Deno.test("periods: a flow that cannot split its figure counts whole in every period and is named as unattributed", () => {
  const t = periodTotals(
    {
      legacy: {
        source: "legacy",
        role: "revenue",
        amountMinor: 4_200,
        currency: "USD",
        asOf: new Date(NOW).toISOString(),
      },
    },
    new ReportingCalendar(),
    NOW,
  );
  assert.equal(t.periods.ytd.revenueMinor, 4_200);
  assert.equal(t.periods.today.previous.revenueMinor, 0);
  assert.deepEqual(t.periods.today.unattributed, ["legacy"]);
});

Deno.test("the pnl state (version 2): its zone and date, each flow's amounts only in the periods, a stock's balance only on its source, nothing derivable", () => {
  const calendar = new ReportingCalendar({ timeZone: "America/New_York" });
  const report = (reading: Reading) => ({
    kind: "test",
    role: reading.role,
    status: "ok" as const,
    origin: "live" as const,
    reading,
  });
  const state = buildPnlState(
    {
      shop: report(flow("shop", "revenue", 10_000, 8_000)),
      cash: report({
        source: "cash",
        role: "trading",
        nature: "stock",
        amountMinor: 50_000,
        currency: "USD",
        asOf: new Date(NOW).toISOString(),
      }),
    },
    "USD",
    { calendar, at: NOW },
  );
  assert.equal(state.version, 2);
  assert.equal(state.timezone, "America/New_York");
  assert.equal(state.weekStart, "monday");
  assert.equal(state.date, "2026-12-02");
  assert.deepEqual(Object.keys(state.periods), [...PERIOD_NAMES]);
  const { previous: _, sources, ...today } = state.periods.today;
  assert.deepEqual(today, {
    revenueMinor: 10_000,
    expensesMinor: 0,
    tradingMinor: 0,
    netMinor: 10_000,
  }, "no bounds, no empty lists: the client derives the bounds");
  assert.deepEqual(state.periods.mtd.sources.shop, {
    amountMinor: 10_000,
    previousMinor: 8_000,
  });
  assert.deepEqual(Object.keys(sources), ["shop"]);
  assert.deepEqual(state.sources.shop, {
    kind: "test",
    role: "revenue",
    status: "ok",
    origin: "live",
    nature: "flow",
    asOf: new Date(NOW).toISOString(),
  }, "a flow's amounts are in the periods alone");
  assert.equal(state.sources.cash?.nature, "stock");
  assert.equal(state.sources.cash?.amountMinor, 50_000);
  assert.equal(sourceAmount(state, "cash", "ytd"), 50_000);
  assert.equal(sourceAmount(state, "shop", "mtd"), 10_000);
  assert.equal(
    new Date(periodWindows(state, NOW).today.from).toISOString(),
    "2026-12-02T05:00:00.000Z",
    "the bounds follow from the zone and the date",
  );
  assert.equal(
    new Date(periodWindows(state, NOW).today.previous.to).toISOString(),
    new Date(NOW - 86_400_000).toISOString(),
  );
});
