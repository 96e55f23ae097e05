/**
 * The transactions behind each figure (`/api/transactions`) on a real
 * server reading the Stripe, Kalshi and Anthropic mocks: every page of a
 * source's list, in every period, adds up to the figure the board shows
 * for it, and a total's list to the total.
 */
import assert from "node:assert/strict";
import { PERIOD_NAMES } from "@/lib/time/mod.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { startUpstreams } from "../_helpers/upstreams/mod.ts";

type Row = {
  at: string;
  amountMinor: number;
  source: string;
  what: string;
  description?: string;
  url?: string;
};

async function get(url: string, path: string) {
  const res = await fetch(new URL(path, url));
  return { status: res.status, body: await res.json() };
}

/** Every page of a listing, `limit` at a time. */
async function everyPage(url: string, query: string, limit: number) {
  const rows: Row[] = [];
  let cursor: string | null = null;
  let first: Record<string, unknown> | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const { status, body }: { status: number; body: Record<string, unknown> } =
      await get(
        url,
        `/api/transactions?${query}&limit=${limit}${
          cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""
        }`,
      );
    assert.equal(status, 200, JSON.stringify(body));
    first ??= body;
    rows.push(...body.transactions as Row[]);
    cursor = body.next as string | null;
    if (!cursor) return { rows, first };
  }
  throw new Error(`${query}: more than 100 pages`);
}

Deno.test("transactions: each flow's list in every period adds up to its figure on the board, a total's list to the total, with the vendor's words and links", async () => {
  await using upstreams = await startUpstreams();
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      file,
      JSON.stringify(upstreams.sourcesFile({ intervalMs: 600_000 })),
    );
    await using server = await startServerProcess({
      // Paged two at a time: many queries in a second from one address.
      env: {
        ...upstreams.env,
        PULSE_CONFIG: file,
        PULSE_HISTORY_PER_SECOND: "1000",
      },
    });
    const flows = ["stripe", "kalshi", "anthropic"];
    let snapshot;
    const end = Date.now() + 20_000;
    for (;;) {
      snapshot = (await get(server.url, "/api/snapshot?topic=pnl")).body;
      const s = snapshot.data.sources;
      if (flows.every((id) => s[id]?.status === "ok")) break;
      if (Date.now() > end) throw new Error(JSON.stringify(snapshot));
      await new Promise((r) => setTimeout(r, 100));
    }
    const periods = snapshot.data.periods;
    for (const period of PERIOD_NAMES) {
      for (const id of flows) {
        const { rows, first } = await everyPage(
          server.url,
          `period=${period}&source=${id}`,
          2,
        );
        const figure = periods[period].sources[id].amountMinor;
        assert.equal(
          rows.reduce((a, r) => a + r.amountMinor, 0),
          figure,
          `${id} ${period}`,
        );
        assert.equal(first!.totalMinor, figure, `${id} ${period} total`);
        assert.equal(first!.count, rows.length, `${id} ${period} count`);
        if (period === "ytd") {
          assert.ok(rows.length > 0, `${id}: nothing listed`);
        }
        const times = rows.map((r) => Date.parse(r.at));
        assert.deepEqual(
          times,
          [...times].sort((a, b) => b - a),
          "newest first",
        );
      }
      const net = await everyPage(server.url, `period=${period}&figure=net`, 3);
      assert.equal(
        net.rows.reduce((a, r) => a + r.amountMinor, 0),
        periods[period].netMinor,
        `net ${period}`,
      );
    }
    // Kalshi's settlement and fills, each naming its market.
    const kalshi = (await everyPage(server.url, "period=ytd&source=kalshi", 50))
      .rows;
    assert.ok(
      kalshi.some((r) => r.what === "Settlement"),
      JSON.stringify(kalshi),
    );
    assert.ok(
      kalshi.every((r) => r.url?.startsWith("https://kalshi.com/markets/")),
    );
    // Stripe's own words and pages, for this year's charges and refund.
    const stripe = (await everyPage(server.url, "period=ytd&source=stripe", 50))
      .rows;
    const charge = stripe.find((r) =>
      r.description === "Subscription creation"
    );
    assert.equal(charge?.what, "Charge");
    assert.match(
      charge!.url!,
      /^https:\/\/dashboard\.stripe\.com(\/test)?\/payments\/ch_1$/,
    );
    const refund = stripe.find((r) => r.what === "Refund");
    assert.equal(refund?.amountMinor, -1000);
    // A cost lowers the net: Anthropic's day is listed negative there.
    const expenses = await everyPage(server.url, "period=today&figure=net", 50);
    assert.ok(
      expenses.rows.some((r) => r.source === "anthropic" && r.amountMinor < 0),
    );
    // Bad requests say what is accepted.
    for (
      const [query, status, words] of [
        ["period=decade", 400, /period must be one of today, wtd/],
        ["source=nobody", 404, /no flow source "nobody"/],
        ["source=stripe&figure=net", 400, /figure or source, not both/],
        ["cursor=garbage", 400, /not one this server gave/],
        ["limit=0", 400, /limit must be an integer from 1 to 200/],
      ] as const
    ) {
      const { status: got, body } = await get(
        server.url,
        `/api/transactions?${query}`,
      );
      assert.equal(got, status, query);
      assert.match(body.error.message, words, query);
    }
  } finally {
    await Deno.remove(file);
  }
});
