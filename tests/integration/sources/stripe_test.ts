import assert from "node:assert/strict";
import { guardSource } from "@/lib/sources/mod.ts";
import { StripeSource } from "@/lib/sources/stripe/stripe.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import { stripeAccount, stripeMock } from "../../_helpers/upstreams/mod.ts";
import { stripeTransactions } from "../../_helpers/upstreams/mod.ts";
import type { Txn } from "../../_helpers/upstreams/stripe.ts";

function source(
  baseUrl: string,
  overrides: Partial<ConstructorParameters<typeof StripeSource>[0]> = {},
) {
  return new StripeSource({
    id: "stripe",
    role: "revenue",
    currency: "USD",
    key: "sk_test_pulseboard",
    baseUrl,
    since: "2026-01-01T00:00:00.000Z",
    amountField: "net",
    maxPages: 100,
    clock: new FakeClock(),
    ...overrides,
  });
}

Deno.test("Stripe: net revenue since the start, payouts and earlier transactions left out", async () => {
  await using mock = stripeMock(stripeTransactions());
  assert.equal((await source(mock.url).read()).amountMinor, 1912 + 4825 - 1000);
  assert.equal(
    (await source(mock.url, { amountField: "amount" }).read()).amountMinor,
    2000 + 5000 - 1000,
  );
  assert.equal(
    (await source(mock.url, { types: ["charge"] }).read()).amountMinor,
    1912 + 4825,
  );
});

Deno.test("Stripe: later reads fetch only what is new, counting a transaction in the watermark second once", async () => {
  const txns = stripeTransactions();
  await using mock = stripeMock(txns);
  const s = source(mock.url);
  assert.equal((await s.read()).amountMinor, 5737);
  // The newest read (a payout, not counted, but read): the watermark.
  const created = txns[4]!.created;
  txns.push({
    id: "txn_same_second",
    amount: 300,
    fee: 10,
    currency: "usd",
    created,
    type: "charge",
  });
  txns.push({
    id: "txn_later",
    amount: 1000,
    fee: 30,
    currency: "usd",
    created: created + 60,
    type: "charge",
  });
  assert.equal((await s.read()).amountMinor, 5737 + 290 + 970);
  assert.equal(
    (await s.read()).amountMinor,
    5737 + 290 + 970,
    "nothing counted twice",
  );
  assert.equal((await s.read()).detail?.transactions, 5);
});

Deno.test("Stripe: 250 transactions are read across pages of 100 with starting_after; a zero-decimal currency stays as it is", async () => {
  const txns = Array.from({ length: 250 }, (_, i) => ({
    id: `txn_${String(i).padStart(3, "0")}`,
    amount: 100 + i,
    fee: 0,
    currency: "jpy",
    created: 1_770_000_000 + i,
    type: "charge",
  }));
  await using mock = stripeMock(txns);
  const reading = await source(mock.url, { currency: "JPY" }).read();
  assert.equal(reading.amountMinor, 250 * 100 + (249 * 250) / 2);
  assert.equal(reading.currency, "JPY");
  assert.equal(mock.requests.get("/v1/balance_transactions"), 3);
});

Deno.test("Stripe: Stripe-Should-Retry: false stops retries; a rate-limit 429 is retried; a failed read counts nothing", async () => {
  await using mock = stripeMock(stripeTransactions());
  const clock = new FakeClock();
  const s = source(mock.url, { clock });
  const guarded = guardSource(s, {
    clock,
    retry: { maxAttempts: 3, minDelayMs: 10, maxDelayMs: 10 },
    random: () => 0.5,
  });
  mock.fault = {
    kind: "status",
    status: 429,
    headers: {
      "stripe-should-retry": "false",
      "stripe-rate-limited-reason": "global-rate",
    },
    body: {
      error: {
        type: "rate_limit_error",
        message: "Request rate limit exceeded.",
      },
    },
  };
  await assert.rejects(
    guarded.read(),
    /Stripe answered 429 .*Request rate limit exceeded/,
  );
  assert.equal(mock.total, 1);
  mock.fault = {
    kind: "status",
    status: 429,
    headers: { "stripe-rate-limited-reason": "global-rate" },
    body: {
      error: {
        type: "rate_limit_error",
        message: "Request rate limit exceeded.",
      },
    },
  };
  const pending = guarded.read();
  while (mock.total < 2) await new Promise((r) => setTimeout(r, 5));
  mock.fault = undefined;
  await clock.advance(10);
  assert.equal((await pending).amountMinor, 5737);
  await assert.rejects(
    source(mock.url, { key: "sk_test_wrong" }).read(),
    /401.*Invalid API Key provided: sk_test_\*\*\*\*rong/,
  );
});

Deno.test("Stripe: wrong types in a transaction and a list that never ends are clear errors", async () => {
  await using mock = stripeMock([]);
  mock.fault = {
    kind: "status",
    status: 200,
    body: {
      object: "list",
      has_more: false,
      data: [{
        id: "txn_x",
        created: 1_770_000_000,
        type: "charge",
        currency: "usd",
        net: "12.00",
      }],
    },
  };
  await assert.rejects(
    source(mock.url).read(),
    /Stripe balance transaction txn_x: field "net" should be a number, found "12.00"/,
  );
  mock.fault = {
    kind: "status",
    status: 200,
    body: {
      object: "list",
      has_more: true,
      data: [{
        id: "txn_loop",
        created: 1_770_000_000,
        type: "charge",
        currency: "usd",
        net: 1,
        amount: 1,
      }],
    },
  };
  await assert.rejects(
    source(mock.url, { maxPages: 4 }).read(),
    /has_more was still true after 4 pages/,
  );
});

Deno.test("Stripe: each transaction counts in the period of its created time, from what was read once; a period reaching before since says it is partial", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  const { periodTotals } = await import("@/lib/aggregate/mod.ts");
  const at = (s: string) => Date.parse(s) / 1000;
  await using mock = stripeMock([
    {
      id: "a",
      amount: 10_000,
      fee: 0,
      currency: "usd",
      created: at("2026-11-27T09:00:00Z"),
      type: "charge",
    },
    {
      id: "b",
      amount: 2_500,
      fee: 0,
      currency: "usd",
      created: at("2026-11-28T08:00:00Z"),
      type: "charge",
    },
    {
      id: "c",
      amount: 700,
      fee: 0,
      currency: "usd",
      created: at("2026-11-28T11:00:00Z"),
      type: "charge",
    },
    {
      id: "d",
      amount: 4_000,
      fee: 0,
      currency: "usd",
      created: at("2026-10-05T11:00:00Z"),
      type: "charge",
    },
  ]);
  const calendar = new ReportingCalendar();
  const clock = new FakeClock({ start: Date.parse("2026-11-28T12:00:00Z") });
  const stripe = source(mock.url, { since: "2026-10-01T00:00:00.000Z", clock });
  const reading = await stripe.read(undefined, {
    periods: calendar.periods(clock.now()),
  });
  assert.deepEqual(reading.periods?.today, {
    amountMinor: 3_200,
    previousMinor: 10_000,
  });
  assert.deepEqual(reading.periods?.mtd, {
    amountMinor: 13_200,
    previousMinor: 4_000,
  });
  assert.equal(reading.amountMinor, 3_200);
  assert.equal(reading.detail?.sinceStartMinor, 17_200);
  // The next day rolls from what was read: one request, nothing new.
  const before = mock.total;
  await clock.advance(86_400_000);
  const next = await stripe.read(undefined, {
    periods: calendar.periods(clock.now()),
  });
  assert.equal(mock.total - before, 1, "one request when nothing is new");
  assert.deepEqual(next.periods?.today, {
    amountMinor: 0,
    previousMinor: 3_200,
  });
  // The year (and last year) reach before `since`: partial, and said.
  const t = periodTotals({ stripe: next }, calendar, clock.now());
  assert.deepEqual(t.periods.ytd.partial, ["stripe"]);
  assert.equal(t.periods.today.partial, undefined, "none: left out");
});

Deno.test("Stripe: ISK and UGX amounts are two-decimal in Stripe's API and whole units in ISO 4217; HUF stays two-decimal in both", async () => {
  const txn = (id: string, amount: number, fee: number, currency: string) => ({
    id,
    amount,
    fee,
    currency,
    created: 1_770_000_000,
    type: "charge",
  });
  await using mock = stripeMock([
    txn("i1", 500_000, 15_050, "isk"), // 5,000 kr less a 150.50 kr fee
    txn("i2", 20_000, 0, "isk"),
    txn("u1", 1_000_000, 0, "ugx"),
    txn("h1", 123_456, 0, "huf"),
  ]);
  // 5,200 kr less 150.50 kr = 5,049.50 kr: rounded once, half to even.
  const isk = await source(mock.url, { currency: "ISK" }).read();
  assert.equal(isk.amountMinor, 5_050);
  const ugx = await source(mock.url, { currency: "UGX" }).read();
  assert.equal(ugx.amountMinor, 10_000);
  const huf = await source(mock.url, { currency: "HUF" }).read();
  assert.equal(huf.amountMinor, 123_456);
});

Deno.test("Stripe: a first sync of 20,000 transactions pages at the source's rate cap, each page retried alone on a 429, resumes where a timeout stopped it, and shows how far it is", async () => {
  const { systemClock } = await import("@/lib/time/mod.ts");
  const start = Date.parse("2026-01-01T00:00:00Z") / 1000;
  const { transactions: txns, net: expected } = stripeAccount(20_000, {
    start,
    everyS: 60,
    fee: true,
  });
  // Stripe's test-mode budget, and pages that take a while.
  await using mock = stripeMock(txns, { requestsPerSecond: 25, latencyMs: 15 });
  let throttled = 0;
  const guarded = guardSource(
    source(mock.url, { clock: systemClock, pagesPerRead: 25, maxPages: 1000 }),
    {
      clock: systemClock,
      // Above the budget on purpose: some pages get a 429 and are retried.
      requestsPerSecond: 30,
      timeoutMs: 5_000,
      retry: {
        maxAttempts: 8,
        minDelayMs: 50,
        maxDelayMs: 400,
        onRetry: () => throttled++,
      },
    },
  );
  const began = performance.now();
  // A read cut short by its deadline keeps what it read.
  const cut = new AbortController();
  setTimeout(() => cut.abort(new Error("deadline")), 300);
  await assert.rejects(guarded.read(cut.signal));
  const afterCut = mock.total;
  assert.ok(afterCut > 1, "some pages were read before the cut");
  let reading = await guarded.read();
  const progress: number[] = [];
  while (reading.syncing) {
    progress.push(reading.syncing.pages);
    reading = await guarded.read();
  }
  const seconds = (performance.now() - began) / 1000;
  assert.equal(reading.amountMinor, expected, "exact totals");
  assert.equal(reading.detail?.transactions, 20_000);
  assert.ok(progress.length >= 5, `syncing reported: ${progress}`);
  assert.ok(
    progress.every((p, i) => i === 0 || p > progress[i - 1]!),
    "each read goes on from the page before",
  );
  // 200 pages; every extra request is a retried 429 or the page in flight
  // at the cut: none read twice otherwise.
  assert.ok(
    mock.total <= 200 + throttled + 1,
    `${mock.total} requests for 200 pages and ${throttled} retries`,
  );
  // 200 pages at 25 a second take 8 s; within 1.5x of it.
  assert.ok(seconds < 12, `synced in ${seconds.toFixed(1)} s`);
  // Synced: a poll with nothing new costs one request, and a retry only if
  // it lands on the mock's spent budget (a 429) right after the sync.
  const before = mock.total;
  const retriedBefore = throttled;
  assert.equal((await guarded.read()).amountMinor, expected);
  assert.equal(mock.total - before, 1 + (throttled - retriedBefore));
});

Deno.test("Stripe: the sync is kept page by page in SQLite: a new process goes on from the page the last one reached and counts nothing twice; other settings start afresh", async () => {
  const { SqliteStore } = await import("@/lib/store/mod.ts");
  const start = Date.parse("2026-01-01T00:00:00Z") / 1000;
  const txns = Array.from({ length: 2_000 }, (_, i) => ({
    id: `txn_${String(i).padStart(5, "0")}`,
    amount: 1_000 + i,
    fee: 0,
    currency: "usd",
    created: start + i * 3_600,
    type: "charge",
  }));
  const expected = txns.reduce((sum, t) => sum + t.amount, 0);
  await using mock = stripeMock(txns, { requestsPerSecond: 1_000 });
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pulse.db`;
    {
      using store = SqliteStore.open(path);
      const first = source(mock.url, { pagesPerRead: 7, sync: store.sync });
      const partial = await first.read();
      assert.deepEqual(partial.syncing, { pages: 7, items: 700 });
    } // the process ends here, half-way through a 20-page sync
    assert.equal(mock.total, 7);
    {
      using store = SqliteStore.open(path);
      const second = source(mock.url, { pagesPerRead: 7, sync: store.sync });
      let reading = await second.read();
      while (reading.syncing) reading = await second.read();
      assert.equal(reading.amountMinor, expected);
      assert.equal(reading.detail?.transactions, 2_000);
      assert.equal(mock.total, 20, "20 pages, none read twice");
      // Restarted once synced: one request when nothing is new.
      const third = source(mock.url, { sync: store.sync });
      assert.equal((await third.read()).amountMinor, expected);
      assert.equal(mock.total, 21);
      // Another start date: the saved sync does not apply.
      const other = source(mock.url, {
        since: "2026-02-01T00:00:00.000Z",
        sync: store.sync,
        maxPages: 1000,
      });
      let fresh = await other.read();
      while (fresh.syncing) fresh = await other.read();
      assert.ok(fresh.amountMinor < expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Stripe: revenue is counted by reporting category; Capital financing and repayments, reserve holds and releases, Issuing spending and payouts are not, whatever their type", async () => {
  const at = 1_770_000_000;
  const txns: Txn[] = [
    {
      id: "txn_ch",
      amount: 10_000,
      fee: 0,
      currency: "usd",
      created: at,
      type: "charge",
    },
    {
      id: "txn_re",
      amount: -2_000,
      fee: 0,
      currency: "usd",
      created: at + 1,
      type: "refund",
    },
    {
      id: "txn_dp",
      amount: -1_500,
      fee: 0,
      currency: "usd",
      created: at + 2,
      type: "adjustment",
      reporting_category: "dispute",
    },
    {
      id: "txn_sf",
      amount: -300,
      fee: 0,
      currency: "usd",
      created: at + 3,
      type: "stripe_fee",
    },
    {
      id: "txn_af",
      amount: 700,
      fee: 0,
      currency: "usd",
      created: at + 4,
      type: "application_fee",
    },
    // Not revenue: Stripe Capital, a reserve, Issuing, a payout.
    {
      id: "txn_fp",
      amount: 50_000,
      fee: 0,
      currency: "usd",
      created: at + 5,
      type: "adjustment",
      reporting_category: "financing_payout",
    },
    {
      id: "txn_fd",
      amount: -3_000,
      fee: 0,
      currency: "usd",
      created: at + 6,
      type: "adjustment",
      reporting_category: "financing_paydown",
    },
    {
      id: "txn_rh",
      amount: -4_000,
      fee: 0,
      currency: "usd",
      created: at + 7,
      type: "reserve_hold",
    },
    {
      id: "txn_rr",
      amount: 1_000,
      fee: 0,
      currency: "usd",
      created: at + 8,
      type: "reserve_release",
    },
    {
      id: "txn_is",
      amount: -2_500,
      fee: 0,
      currency: "usd",
      created: at + 9,
      type: "issuing_transaction",
      balance_type: "issuing",
    },
    {
      id: "txn_po",
      amount: -20_000,
      fee: 0,
      currency: "usd",
      created: at + 10,
      type: "payout",
    },
  ];
  await using mock = stripeMock(txns);
  // 100.00 - 20.00 - 15.00 - 3.00 + 7.00; counting every type but payouts
  // (the old rule) made it 519.00.
  const reading = await source(mock.url).read();
  assert.equal(reading.amountMinor, 6_900);
  // Shown beside the figure, never in it.
  assert.deepEqual(reading.detail, {
    transactions: 5,
    sinceStartMinor: 6_900,
    financingMinor: 47_000,
    reservesMinor: -3_000,
    issuingMinor: -2_500,
    payoutsAndTransfersMinor: -20_000,
  });
  assert.equal(
    (await source(mock.url, { categories: ["charge", "financing_payout"] })
      .read()).amountMinor,
    60_000,
    "a source may name its categories",
  );
});

Deno.test("Stripe: an account in MGA (zero-decimal at Stripe, two decimals in ISO 4217) totals in ariary, not a hundredth of them", async () => {
  await using mock = stripeMock([
    {
      id: "txn_1",
      amount: 50_000,
      fee: 1_500,
      currency: "mga",
      created: 1_770_000_000,
      type: "charge",
    },
    {
      id: "txn_2",
      amount: 12_000,
      fee: 0,
      currency: "mga",
      created: 1_770_000_060,
      type: "charge",
    },
  ]);
  const reading = await source(mock.url, { currency: "MGA" }).read();
  // Ar 60,500 net: 6,050,000 ISO minor units.
  assert.equal(reading.amountMinor, 6_050_000);
  assert.equal(reading.currency, "MGA");
});
