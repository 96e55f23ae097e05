/**
 * Day one with a real account, in a browser: a database the demo ran on
 * first (the README's first command), a Stripe
 * account with eleven months of charges and refunds (realistic
 * descriptions), and the Year chart drawn from 1 January within seconds
 * of the first start; the transactions behind the source and behind the
 * Revenue total are listed, page on, link to Stripe's dashboard, and add
 * up to the figures the board shows.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { ROOT, startServerProcess } from "../_helpers/server_process.ts";
import { stripeMock, type Txn } from "../_helpers/upstreams/stripe.ts";

const HOUR = 3_600;

/** Charges every 3 h from 1 January, a refund in every 25, until an hour ago. */
function account(year: number, until: number): Txn[] {
  const plans = ["Pro plan (annual)", "Team plan · 12 seats", "Starter plan"];
  const out: Txn[] = [];
  let i = 0;
  for (
    let t = Date.UTC(year, 0, 1, 1) / 1000;
    t < until - HOUR;
    t += 3 * HOUR, i++
  ) {
    const refund = i % 25 === 24;
    out.push({
      id: `txn_${String(i).padStart(6, "0")}`,
      amount: refund ? -4_900 : 4_900 + (i % 7) * 1_000,
      fee: refund ? 0 : 172,
      currency: "usd",
      created: t,
      type: refund ? "refund" : "charge",
      description: refund
        ? `REFUND FOR CHARGE (Invoice INV-${10_000 + i})`
        : `Subscription update · Invoice INV-${10_000 + i} · ${
          plans[i % plans.length]
        }`,
    });
  }
  // Stripe lists newest first.
  return out.reverse();
}

Deno.test("in a browser on day one: a Stripe account's year is charted from 1 January within seconds of the first start, and the transactions behind a source and a total page on, link to Stripe and add up to the figures shown", async () => {
  const now = Date.now();
  const year = new Date(now).getUTCFullYear();
  const transactions = account(year, now / 1000);
  await using stripe = stripeMock(transactions);
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        title: "Acme Inc.",
        sources: [{
          id: "stripe",
          label: "Stripe revenue (Acme Inc., USD account)",
          kind: "stripe",
          role: "revenue",
          baseUrl: stripe.url,
          keyEnv: "STRIPE_SECRET_KEY",
          since: `${year}-01-01`,
          intervalMs: 60_000,
        }],
      }),
    );
    // The README's first command ran first on the same database: the
    // demo's millions were recorded there.
    {
      await using demo = await startServerProcess({
        env: { PULSE_DB: `${dir}/pulseboard.db`, PULSE_SIM_INTERVAL_MS: "100" },
      });
      const end = Date.now() + 10_000;
      while (
        (await (await fetch(new URL("/api/snapshot", demo.url))).json()).seq <
          20
      ) {
        if (Date.now() > end) throw new Error("the demo did not run");
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const started = Date.now();
    await using server = await startServerProcess({
      env: {
        PULSE_CONFIG: file,
        STRIPE_SECRET_KEY: stripe.key,
        PULSE_DB: `${dir}/pulseboard.db`,
      },
    });
    await using browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1100, height: 900 },
    });
    try {
      const page = await context.newPage();
      await page.goto(new URL("/?period=ytd", server.url).href);
      // The whole year at once, from its first instant, once synced.
      const yearStart = new Date(Date.UTC(year, 0, 1)).toISOString();
      await page.waitForFunction(
        (from) => {
          const el = document.querySelector<HTMLElement>("[data-testid=chart]");
          return el?.dataset.from === from &&
            Number(el.dataset.points ?? 0) >= 100;
        },
        yearStart,
        { timeout: 30_000 },
      );
      const seconds = (Date.now() - started) / 1000;
      assert.ok(seconds < 30, `the year took ${seconds} s to draw`);
      const history = await (await fetch(
        new URL("/api/history?topic=pnl&period=ytd", server.url),
      )).json();
      assert.equal(history.points[0].at, yearStart);
      // None of the demo: the chart's high is this account's year.
      const summary = (await page.textContent("[data-testid=chart-summary]"))!;
      const high = Number(
        /high \+?\$([\d,.]+)\./.exec(summary)![1]!.replaceAll(",", ""),
      );
      const yearNet = transactions.filter((t) => t.type !== "payout")
        .reduce((a, t) => a + t.amount - t.fee, 0) / 100;
      assert.ok(
        high <= yearNet + 0.005,
        `${summary} (the account's year: ${yearNet})`,
      );

      // Where the year is heading, labelled as a projection: a new
      // account has no last year to take the shape of, so at its pace.
      assert.match(
        (await page.textContent("[data-testid=projection]"))!,
        /^Projection on pace for \+\$[\d,]+\.\d\d net by 31 Dec, at this year's pace so far$/,
      );

      // The source's transactions: its figure, paged, linked.
      const row = page.locator("[data-source=stripe]");
      const figure = (await row.locator(".source-amount").textContent())!;
      await row.locator("button.source-name").click();
      const list = row.locator("[data-testid=transactions]");
      await list.locator("[data-testid=transactions-head]").waitFor();
      assert.equal(
        await list.locator("[data-testid=transactions-total]").textContent(),
        `+${figure.replace(/^\+/, "")}`,
      );
      const counted = transactions.filter((t) => t.type !== "payout").length;
      assert.match(
        (await list.locator("[data-testid=transactions-head]").textContent())!,
        new RegExp(
          `^${counted.toLocaleString("en-US")} transactions this year`,
        ),
      );
      assert.equal(await list.locator("[data-testid=transaction]").count(), 25);
      await Deno.mkdir(`${ROOT}test-results`, { recursive: true });
      await row.screenshot({
        path: `${ROOT}test-results/dashboard-transactions.png`,
      });
      await list.locator("button.more").click();
      await page.waitForFunction(() =>
        document.querySelectorAll(
          "[data-source=stripe] [data-testid=transaction]",
        ).length === 50
      );
      const newest = transactions[0]!;
      const first = list.locator("[data-testid=transaction]").first();
      assert.match((await first.textContent())!, /Invoice INV-/);
      assert.equal(
        await first.locator("[data-testid=transaction-link]").getAttribute(
          "href",
        ),
        newest.type === "refund"
          ? `https://dashboard.stripe.com/test/search?query=${newest.id}`
          : `https://dashboard.stripe.com/test/payments/ch_${
            newest.id.slice(4)
          }`,
      );
      // Each page's amounts add up, with the rest, to the figure.
      const shown = await list.locator(
        "[data-testid=transaction] [data-amount]",
      )
        .evaluateAll((cells) =>
          cells.map((c) => Number(c.getAttribute("data-amount")))
        );
      const sum = transactions.filter((t) => t.type !== "payout");
      assert.deepEqual(
        shown,
        sum.slice(0, 50).map((t) => t.amount - t.fee),
        "newest first, as Stripe has them, net of Stripe's fee",
      );

      // The Revenue total's transactions, named by source.
      await page.click("[data-list=revenue]");
      const totals = page.locator(".figure-lists + [data-testid=transactions]");
      await totals.locator("[data-testid=transactions-head]").waitFor();
      assert.equal(
        await totals.locator("[data-testid=transactions-total]").textContent(),
        `+${
          (await page.textContent("[data-testid=revenue]"))!.replace(/^\+/, "")
        }`,
      );
      assert.match(
        (await totals.locator("[data-testid=transaction]").first()
          .textContent())!,
        /^.*Stripe revenue \(Acme Inc\., USD account\): (Charge|Refund)/,
      );
    } finally {
      await context.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
