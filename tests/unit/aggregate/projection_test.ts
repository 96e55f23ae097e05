import assert from "node:assert/strict";
import { projectPeriod } from "@/lib/aggregate/mod.ts";
import { FlowLedger, type Source } from "@/lib/sources/mod.ts";
import type { PeriodWindow } from "@/lib/time/mod.ts";

function flow(
  role: Source["role"],
  movements: [number, number][],
  currency = "USD",
): Source {
  const ledger = new FlowLedger();
  for (const [at, amount] of movements) ledger.add(at, amount);
  return {
    id: `${role}-${movements.length}`,
    kind: "test",
    role,
    flows: () => ({ currency, sum: (w) => ledger.sum(w) }),
    read: () => Promise.reject(new Error("not read in these tests")),
  };
}

/** This period is [100, 200), a quarter in; the previous one [0, 100). */
const WINDOW: PeriodWindow = {
  name: "mtd",
  from: 100,
  to: 200,
  at: 124,
  previous: { from: 0, to: 25 },
  previousWhole: { from: 0, to: 100 },
};

Deno.test("projectPeriod() carries this period's start on the previous period's shape, per total, and nets them", () => {
  const p = projectPeriod(
    [
      // Last period: 100 in its first quarter, 1,000 whole; this one 150 so far.
      flow("revenue", [[10, 100], [60, 900], [110, 150]]),
      // Costs: 20 then 80; this one 30 so far.
      flow("expense", [[5, 20], [90, 80], [120, 30]]),
    ],
    "USD",
    WINDOW,
  )!;
  assert.deepEqual(p.revenue, {
    projectedMinor: 1_500,
    soFarMinor: 150,
    method: "previous_shape",
  });
  assert.deepEqual(p.expenses, {
    projectedMinor: 150,
    soFarMinor: 30,
    method: "previous_shape",
  });
  assert.equal(p.netMinor, 1_500 - 150 + p.trading.projectedMinor);
  assert.equal(p.end, 200);
});

Deno.test("projectPeriod() runs at the pace so far when the previous period is no sound base: nothing by this point, a sign that flips, or a sliver of its whole", () => {
  for (
    const last of [
      [] as [number, number][], // no previous period (a new account)
      [[60, 500]] as [number, number][], // nothing by this point
      [[10, 100], [60, -400]] as [number, number][], // + by the point, − whole
      [[10, 1], [60, 999]] as [number, number][], // 1 of 1,000
    ]
  ) {
    const p = projectPeriod(
      [flow("revenue", [...last, [110, 150]])],
      "USD",
      WINDOW,
    )!;
    // 150 in a quarter of the period: 600 at that pace.
    assert.deepEqual(
      p.revenue,
      { projectedMinor: 600, soFarMinor: 150, method: "pace" },
      JSON.stringify(last),
    );
  }
});

Deno.test("projectPeriod() makes none when a flow keeps no ledger or one in another currency; balances are left out", () => {
  const noLedger: Source = {
    id: "sql",
    kind: "sql",
    role: "revenue",
    read: () => Promise.reject(new Error("unused")),
  };
  assert.equal(projectPeriod([noLedger], "USD", WINDOW), undefined);
  assert.equal(
    projectPeriod([flow("revenue", [[110, 1]], "EUR")], "USD", WINDOW),
    undefined,
  );
  const balance: Source = { ...noLedger, id: "bank", nature: "stock" };
  assert.ok(
    projectPeriod([balance, flow("revenue", [[110, 1]])], "USD", WINDOW),
  );
});
