import assert from "node:assert/strict";
import { figureMovements, MovementCursorError } from "@/lib/aggregate/mod.ts";
import { FlowLedger, type Source } from "@/lib/sources/mod.ts";
import {
  convertedMovements,
  ledgerMovements,
} from "@/lib/sources/ledger_movements.ts";
import { describeStripe } from "@/lib/sources/stripe/stripe_movements.ts";
import { describeKalshi } from "@/lib/sources/kalshi/kalshi_movements.ts";
import { costDayMovements } from "@/lib/sources/anthropic/anthropic_movements.ts";
import { parseDecimal } from "@/lib/money.ts";

/** A flow source over a ledger of `[at, amount]` movements, noted by index. */
function flow(
  id: string,
  role: Source["role"],
  movements: [number, number][],
  options: { currency?: string; listed?: boolean } = {},
): Source {
  const ledger = new FlowLedger<string>();
  movements.forEach(([at, amount], i) => ledger.add(at, amount, `${id}#${i}`));
  const list = ledgerMovements(ledger, {
    describe: (n) => ({ what: n ?? "" }),
  });
  return {
    id,
    kind: "test",
    role,
    flows: () => ({
      currency: options.currency ?? "USD",
      sum: (w) => ledger.sum(w),
      ...(options.listed === false ? {} : { movements: list }),
    }),
    read: () => Promise.reject(new Error("not read in these tests")),
  };
}

const board = [
  flow("sales", "revenue", [[10, 500], [20, 700], [20, 50], [40, 900]]),
  flow("api", "expense", [[20, 30], [30, 45], [40, 5]]),
  flow("kalshi", "trading", [[20, -80], [50, 120]]),
];

Deno.test("figureMovements() pages a total through every flow newest first, each signed as it enters the total, with movements at one instant never lost or repeated across pages", () => {
  const window = { from: 0, to: 100 };
  const whole = figureMovements(board, "USD", {
    figure: "net",
    window,
    limit: 100,
  });
  assert.equal(whole.count, 9);
  assert.equal(whole.totalMinor, 500 + 700 + 50 + 900 - 30 - 45 - 5 - 80 + 120);
  for (const limit of [1, 2, 3, 4]) {
    const seen: string[] = [];
    let sum = 0;
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = figureMovements(board, "USD", {
        figure: "net",
        window,
        limit,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((m) => m.what));
      sum += page.items.reduce((a, m) => a + m.amountMinor, 0);
      if (!page.next) break;
      cursor = page.next;
    }
    assert.deepEqual(seen, whole.items.map((m) => m.what), `limit ${limit}`);
    assert.equal(sum, whole.totalMinor, `limit ${limit}`);
  }
  assert.deepEqual(whole.items.map((m) => [m.source, m.amountMinor]), [
    ["kalshi", 120],
    ["sales", 900],
    ["api", -5],
    ["api", -45],
    ["sales", 50],
    ["sales", 700],
    ["api", -30],
    ["kalshi", -80],
    ["sales", 500],
  ]);
});

Deno.test("figureMovements() lists one total's flows or one source, names the flows it cannot list, and refuses a cursor it did not give", () => {
  const window = { from: 0, to: 100 };
  const sources = [
    ...board,
    flow("shop", "revenue", [[15, 10]], { listed: false }),
    flow("eu", "revenue", [[15, 10]], { currency: "EUR" }),
  ];
  const revenue = figureMovements(sources, "USD", {
    figure: "revenue",
    window,
    limit: 10,
  });
  assert.deepEqual(
    new Set(revenue.items.map((m) => m.source)),
    new Set(["sales"]),
  );
  assert.equal(revenue.complete, false);
  assert.deepEqual(revenue.missing, ["shop", "eu"]);
  const expenses = figureMovements(sources, "USD", {
    figure: "expenses",
    window,
    limit: 10,
  });
  assert.deepEqual(expenses.items.map((m) => m.amountMinor), [5, 45, 30]);
  assert.equal(expenses.complete, true);
  const api = figureMovements(sources, "USD", {
    source: "api",
    window: { from: 25, to: 100 },
    limit: 10,
  });
  assert.equal(api.totalMinor, 50);
  assert.deepEqual(api.items.map((m) => m.amountMinor), [5, 45]);
  for (const cursor of ["", "x", "10.0.nobody", "-1.0.sales", "1e5.0.sales"]) {
    assert.throws(
      () =>
        figureMovements(sources, "USD", {
          figure: "net",
          window,
          limit: 1,
          cursor,
        }),
      MovementCursorError,
    );
  }
});

Deno.test("a converted listing (micro-dollars to cents, or a fixed rate) rounds each movement so the list adds up to the converted figure exactly", () => {
  const ledger = new FlowLedger<string>();
  for (let i = 0; i < 7; i++) ledger.add(i, 3_333, `fill ${i}`);
  const cents = (micro: number) => Math.round(micro / 10_000);
  const list = ledgerMovements(ledger, {
    describe: () => ({ what: "Fill" }),
    convert: cents,
  });
  const window = { from: 0, to: 7 };
  const { items } = list(window, { limit: 10 });
  assert.equal(
    items.reduce((a, m) => a + m.amountMinor, 0),
    cents(ledger.sum(window)),
  );
  // A fixed rate on top: 1 unit = 0.37 of the board's.
  const rate = (minor: number) => Math.round(minor * 0.37);
  const converted = convertedMovements(list, rate)(window, { limit: 10 });
  assert.equal(
    converted.items.reduce((a, m) => a + m.amountMinor, 0),
    rate(cents(ledger.sum(window))),
  );
});

Deno.test("vendor words: a Stripe charge and payout link to their dashboard pages (test mode under /test), other types to Stripe's search; a Kalshi fill to its market's series", () => {
  assert.deepEqual(
    describeStripe({
      id: "txn_1",
      type: "charge",
      source: "ch_9",
      description: "Pro plan",
    }, { test: true }),
    {
      what: "Charge",
      description: "Pro plan",
      ref: "txn_1",
      url: "https://dashboard.stripe.com/test/payments/ch_9",
    },
  );
  assert.equal(
    describeStripe({ id: "txn_2", type: "payout", source: "po_1" }, {
      test: false,
    }).url,
    "https://dashboard.stripe.com/payouts/po_1",
  );
  const hold = describeStripe({
    id: "txn_3",
    type: "issuing_authorization_hold",
  }, { test: false });
  assert.equal(hold.what, "Issuing authorization hold");
  assert.equal(hold.url, "https://dashboard.stripe.com/search?query=txn_3");
  assert.deepEqual(
    describeKalshi({ ticker: "KXFED-26DEC-T4.25", kind: "close" }),
    {
      what: "Closing fill",
      description: "KXFED-26DEC-T4.25",
      ref: "KXFED-26DEC-T4.25",
      url: "https://kalshi.com/markets/kxfed",
    },
  );
});

Deno.test("costDayMovements() lists Anthropic's daily buckets newest first, pages by day, and adds fractional cents up to the rounded figure", () => {
  const day = 86_400_000;
  const list = costDayMovements(
    [0, 1, 2, 3].map((i) =>
      [i * day, parseDecimal("33.3333"), i * day] as const
    ),
  );
  const window = { from: 0, to: 4 * day };
  const first = list(window, { limit: 3 });
  assert.equal(first.count, 4);
  assert.deepEqual(first.items.map((m) => m.at), [3 * day, 2 * day, day]);
  const rest = list(window, { limit: 3, after: first.items.at(-1)! });
  assert.deepEqual(rest.items.map((m) => m.at), [0]);
  const all = [...first.items, ...rest.items];
  assert.equal(all.reduce((a, m) => a + m.amountMinor, 0), 133); // 133.3332 cents
  assert.match(all[0]!.description!, /1970-01-04 \(UTC day\)/);
});
