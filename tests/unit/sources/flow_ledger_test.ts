import assert from "node:assert/strict";
import { FlowLedger } from "@/lib/sources/mod.ts";
import { ReportingCalendar } from "@/lib/time/mod.ts";

const at = (s: string) => Date.parse(s);

Deno.test("FlowLedger sums any span exactly, with a late arrival landing in the period it belongs to", () => {
  const ledger = new FlowLedger();
  ledger.add(at("2026-12-01T10:00:00Z"), 1_000);
  ledger.add(at("2026-12-02T09:00:00Z"), 250);
  ledger.add(at("2026-12-02T09:00:00Z"), 50); // same instant: merged
  ledger.add(at("2026-11-30T23:59:59Z"), -100); // a late refund
  assert.equal(ledger.size, 3);
  assert.equal(ledger.total, 1_200);
  const day = (d: string) => ({
    from: at(`${d}T00:00:00Z`),
    to: at(`${d}T00:00:00Z`) + 86_400_000,
  });
  assert.equal(ledger.sum(day("2026-11-30")), -100);
  assert.equal(ledger.sum(day("2026-12-01")), 1_000);
  assert.equal(ledger.sum(day("2026-12-02")), 300);
  assert.equal(ledger.sum({ from: 5, to: 5 }), 0);
  ledger.prune(at("2026-12-01T00:00:00Z"));
  assert.equal(ledger.total, 1_300);
  assert.throws(() => ledger.add(1.5, 1), RangeError);
});

Deno.test("FlowLedger answers every period and the previous one to the same point, in the board's zone", () => {
  const ledger = new FlowLedger();
  // Berlin: 23:30 UTC on 1 December is already 2 December there.
  ledger.add(at("2026-12-01T23:30:00Z"), 700);
  ledger.add(at("2026-11-30T22:00:00Z"), 400); // 23:00 on 30 Nov in Berlin
  ledger.add(at("2026-11-02T08:00:00Z"), 90); // last month, before the point
  ledger.add(at("2026-11-02T12:00:00Z"), 10); // last month, after the point
  const berlin = new ReportingCalendar({ timeZone: "Europe/Berlin" });
  const periods = ledger.periods(berlin.periods(at("2026-12-02T09:00:00Z")));
  assert.deepEqual(periods.today, { amountMinor: 700, previousMinor: 0 });
  assert.deepEqual(periods.mtd, { amountMinor: 700, previousMinor: 90 });
  assert.deepEqual(periods.wtd, { amountMinor: 1_100, previousMinor: 0 });
  assert.deepEqual(periods.ytd.amountMinor, 1_200);
});
