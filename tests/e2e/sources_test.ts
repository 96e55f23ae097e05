import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { EXPECTED, startUpstreams } from "../_helpers/upstreams/mod.ts";

interface Snapshot {
  seq: number;
  data: {
    periods: Record<
      string,
      { sources: Record<string, { amountMinor: number }> }
    >;
    sources: Record<string, Record<string, unknown>>;
  };
}

async function snapshot(url: string): Promise<Snapshot> {
  const response = await fetch(new URL("api/snapshot?topic=pnl", url));
  return await response.json();
}

/** Polls the snapshot until `ok` holds; bounded. */
/** The year to date: where every fixture's money falls. */
function ytd(s: Snapshot): {
  revenueMinor: number;
  expensesMinor: number;
  tradingMinor: number;
  netMinor: number;
  sources: Record<string, { amountMinor: number }>;
} {
  return (s.data as unknown as {
    periods: { ytd: ReturnType<typeof ytd> };
  }).periods.ytd;
}

async function until(
  url: string,
  ok: (s: Snapshot) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<Snapshot> {
  const end = Date.now() + timeoutMs;
  let last: Snapshot | undefined;
  while (Date.now() < end) {
    last = await snapshot(url);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out waiting for ${what}; last state: ${JSON.stringify(last?.data)}`,
  );
}

Deno.test("a sources file naming Kalshi, Anthropic and Stripe mocks and a webhook: exact totals, one upstream down goes stale then open while the others keep updating", async (t) => {
  await using upstreams = await startUpstreams();
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sources.json`;
  await Deno.writeTextFile(file, JSON.stringify(upstreams.sourcesFile()));
  await using server = await startServerProcess({
    env: { PULSE_CONFIG: file, PULSE_BATCH_MS: "20", ...upstreams.env },
  });
  await using browser = await launchBrowser();
  const ingest = (body: string, signature: string) =>
    fetch(new URL("api/ingest/shop", server.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "pulse-signature": signature,
      },
      body,
    });

  await t.step("signed webhook deliveries are stored once each", async () => {
    const first = '{"id":"evt_1","amount":"12.50"}';
    const r1 = await ingest(first, await upstreams.sign(first));
    assert.equal(r1.status, 200);
    assert.equal((await r1.json()).duplicate, false);
    const again = await ingest(first, await upstreams.sign(first));
    assert.equal((await again.json()).duplicate, true);
    const second = '{"id":"evt_2","amountMinor":725}';
    const r2 = await ingest(second, await upstreams.sign(second));
    assert.equal((await r2.json()).amountMinor, 1975);
  });

  await t.step(
    "the year's totals are exact to the cent against the fixtures",
    async () => {
      // The fixtures' money moved this year (Stripe in January and
      // February, Kalshi in June and September, the rest today).
      const s = await until(
        server.url,
        (s) => ytd(s).netMinor === EXPECTED.net,
        `net ${EXPECTED.net}`,
      );
      const { revenueMinor, expensesMinor, tradingMinor, netMinor } = ytd(s);
      assert.deepEqual(
        { revenueMinor, expensesMinor, tradingMinor, netMinor },
        {
          revenueMinor: EXPECTED.revenue,
          expensesMinor: EXPECTED.expenses,
          tradingMinor: EXPECTED.trading,
          netMinor: EXPECTED.net,
        },
      );
      for (const id of ["kalshi", "anthropic", "stripe", "shop"] as const) {
        assert.equal(ytd(s).sources[id]?.amountMinor, EXPECTED[id], id);
        assert.equal(s.data.sources[id]?.status, "ok", id);
      }
      assert.equal(
        (s.data.sources.kalshi?.detail as Record<string, number>).balanceMinor,
        9802,
        "balance_dollars 98.0186 is preferred over the truncated cents",
      );
      assert.ok(upstreams.kalshi.verified > 0);
    },
  );

  await t.step("the dashboard shows every source and its status", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(new URL("/?period=ytd", server.url).href);
      for (const id of ["kalshi", "anthropic", "stripe", "shop"]) {
        await page.waitForSelector(`[data-source=${id}].source-ok`);
      }
      assert.equal(await page.textContent("[data-testid=net]"), "+$67.44");
    } finally {
      await page.close();
    }
  });

  await t.step(
    "stopping the Anthropic mock makes only that source stale, then open, while Stripe keeps updating",
    async () => {
      const page = await browser.newPage();
      try {
        await page.goto(server.url);
        await page.waitForSelector("[data-status=live]");
        await upstreams.anthropic.stop();
        const stale = await until(
          server.url,
          (s) => s.data.sources.anthropic?.status !== "ok",
          "anthropic to leave ok",
        );
        assert.equal(
          stale.data.periods.today?.sources.anthropic?.amountMinor,
          EXPECTED.anthropic,
        );
        assert.match(String(stale.data.sources.anthropic?.error), /./);
        await until(
          server.url,
          (s) => s.data.sources.anthropic?.status === "open",
          "anthropic's breaker to open",
        );
        await page.waitForSelector("[data-source=anthropic].source-open");
        // Stripe keeps publishing: a new charge shows while Anthropic is down.
        upstreams.stripe.transactions.push({
          id: "txn_new",
          amount: 1000,
          fee: 30,
          currency: "usd",
          created: Math.floor(Date.now() / 1000),
          type: "charge",
        });
        const moved = await until(
          server.url,
          (s) => ytd(s).sources.stripe?.amountMinor === EXPECTED.stripe + 970,
          "the new Stripe charge",
        );
        assert.equal(moved.data.sources.anthropic?.status, "open");
        for (const id of ["kalshi", "stripe", "shop"]) {
          assert.equal(moved.data.sources[id]?.status, "ok", id);
        }
        assert.equal(ytd(moved).expensesMinor, EXPECTED.expenses);
        await page.waitForSelector("[data-source=kalshi].source-ok");
        const health = await (await fetch(new URL("api/health", server.url)))
          .json();
        assert.match(JSON.stringify(health), /anthropic/);
        assert.equal(health.sources?.anthropic?.status, "open");
      } finally {
        await page.close();
      }
    },
  );

  await t.step("the source recovers when its upstream returns", async () => {
    upstreams.anthropic.start();
    await until(
      server.url,
      (s) => s.data.sources.anthropic?.status === "ok",
      "anthropic back to ok",
    );
  });

  await t.step(
    "bad deliveries are refused with the documented errors and change nothing",
    async () => {
      const before = (await snapshot(server.url)).data.periods.today
        ?.sources.shop?.amountMinor;
      const body = '{"id":"evt_bad","amountMinor":100}';
      const cases: [string, Promise<Response>, number][] = [
        [
          "wrong signature",
          ingest(body, await upstreams.sign(body + " ")),
          401,
        ],
        [
          "stale timestamp",
          ingest(
            body,
            await upstreams.sign(body, Math.floor(Date.now() / 1000) - 3600),
          ),
          401,
        ],
        [
          "future timestamp",
          ingest(
            body,
            await upstreams.sign(body, Math.floor(Date.now() / 1000) + 3600),
          ),
          401,
        ],
        ["no signature", ingest(body, ""), 401],
        ["malformed JSON", ingest("{nope", await upstreams.sign("{nope")), 400],
        [
          "wrong type",
          ingest(
            '{"id":"e","amountMinor":"12"}',
            await upstreams.sign('{"id":"e","amountMinor":"12"}'),
          ),
          400,
        ],
        [
          "oversized",
          ingest("x".repeat(70_000), await upstreams.sign("x".repeat(70_000))),
          413,
        ],
      ];
      for (const [what, pending, status] of cases) {
        const response = await pending;
        const json = await response.json();
        assert.equal(response.status, status, what);
        assert.match(json.error.message, /./, what);
      }
      const unknown = await fetch(new URL("api/ingest/nope", server.url), {
        method: "POST",
        body,
        headers: { "pulse-signature": await upstreams.sign(body) },
      });
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
      const after = (await snapshot(server.url)).data.periods.today
        ?.sources.shop?.amountMinor;
      assert.equal(after, before);
      const metrics = await (await fetch(new URL("metrics", server.url)))
        .text();
      assert.match(
        metrics,
        /pulse_ingest_total\{source="shop",outcome="signature_mismatch"\} 1/,
      );
      assert.match(
        metrics,
        /pulse_ingest_total\{source="shop",outcome="accepted"\} 2/,
      );
    },
  );
  await Deno.remove(dir, { recursive: true });
});
