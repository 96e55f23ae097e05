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

Deno.test("FlowLedger.list() pages a window newest first, each noted movement on its own and unnamed ones merged per instant, and the pages add up to the window's sum", () => {
  const ledger = new FlowLedger<string>();
  ledger.add(1_000, 500, "charge a");
  ledger.add(1_000, 300, "charge b");
  ledger.add(1_000, 7); // unnamed, at a noted instant
  ledger.add(2_000, -200, "refund");
  ledger.add(3_000, 40);
  ledger.add(3_000, 2); // merged with the unnamed 40
  ledger.add(500, 99, "before the window");
  ledger.add(1_500, 60, "late arrival"); // into its place
  const window = { from: 1_000, to: 3_001 };
  assert.equal(ledger.count(window), 6);
  const seen: { at: number; amount: number; note?: string }[] = [];
  let after: { at: number; index: number } | undefined;
  for (let pages = 0; pages < 10; pages++) {
    const page = ledger.list(window, { limit: 2, ...(after ? { after } : {}) });
    if (page.length === 0) break;
    seen.push(...page.map(({ at, amount, note }) => ({ at, amount, note })));
    after = page.at(-1);
  }
  assert.deepEqual(seen, [
    { at: 3_000, amount: 42, note: undefined },
    { at: 2_000, amount: -200, note: "refund" },
    { at: 1_500, amount: 60, note: "late arrival" },
    { at: 1_000, amount: 7, note: undefined },
    { at: 1_000, amount: 300, note: "charge b" },
    { at: 1_000, amount: 500, note: "charge a" },
  ]);
  assert.equal(
    seen.reduce((a, m) => a + m.amount, 0),
    ledger.sum(window),
  );
  // The running sum of the window up to each entry, newest first.
  assert.deepEqual(
    ledger.list(window, { limit: 10 }).map((e) => e.running),
    [709, 667, 867, 807, 800, 500],
  );
});

Deno.test("FlowLedger.list() keeps its place while newer movements arrive, and after prune() counts only what is kept", () => {
  const ledger = new FlowLedger<string>();
  for (let i = 0; i < 5; i++) ledger.add(i * 1_000, 100 + i, `m${i}`);
  const window = { from: 0, to: 10_000 };
  const first = ledger.list(window, { limit: 2 });
  ledger.add(9_000, 1, "newer");
  const next = ledger.list(window, { limit: 2, after: first.at(-1)! });
  assert.deepEqual(next.map((e) => e.note), ["m2", "m1"]);
  ledger.prune(2_000);
  assert.equal(ledger.count(window), 4);
  assert.deepEqual(
    ledger.list(window, { limit: 10 }).map((e) => e.note),
    ["newer", "m4", "m3", "m2"],
  );
});
