import assert from "node:assert/strict";
import { FlowLedger, inReportingCurrency } from "@/lib/sources/mod.ts";
import type { Source } from "@/lib/sources/mod.ts";

function eurSales(ledger: FlowLedger): Source {
  return {
    id: "shop",
    kind: "test",
    role: "revenue",
    read: () =>
      Promise.resolve({
        source: "shop",
        role: "revenue",
        amountMinor: ledger.total,
        currency: "EUR",
        asOf: "2026-12-07T12:00:00.000Z",
      }),
    flows: () => ({ currency: "EUR", sum: (w) => ledger.sum(w) }),
  };
}

Deno.test("inReportingCurrency(): a flow's ledger is converted at the fixed rate like its reading, and kept away without a rate", async () => {
  const ledger = new FlowLedger();
  ledger.add(1_000, 10_000); // EUR 100.00
  ledger.add(2_000, 5_000); // EUR 50.00
  const usd = inReportingCurrency(eurSales(ledger), "USD", "1.1");
  const flows = usd.flows?.();
  assert.equal(flows?.currency, "USD");
  assert.equal(flows?.sum({ from: 0, to: 1_500 }), 11_000);
  assert.equal(
    flows?.sum({ from: 0, to: 3_000 }),
    (await usd.read()).amountMinor,
    "the chart ends on the figure",
  );
  // No rate: the reading is refused, and so is the ledger (no chart from it).
  assert.equal(
    inReportingCurrency(eurSales(ledger), "USD").flows?.(),
    undefined,
  );
  // The board's own currency passes through.
  assert.equal(
    inReportingCurrency(eurSales(ledger), "EUR").flows?.()?.sum({
      from: 0,
      to: 3_000,
    }),
    15_000,
  );
});
