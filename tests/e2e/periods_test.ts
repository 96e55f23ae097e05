/**
 * Reporting periods in a browser: the switcher shows each period's
 * figures as the server computed them, labelled with the period and the
 * board's zone and compared with the previous period; the choice is kept
 * in the URL; balances have their own section, never in the P&L.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const MONEY = /^[+-]?\$[\d,]+\.\d\d$/;

Deno.test("in a browser, the period switcher shows each period's figures in the board's zone with the change against the previous period, kept in the URL", async () => {
  await using server = await startServerProcess({
    // A slow simulator, so the figures hold still while they are compared.
    env: { PULSE_TIMEZONE: "America/New_York", PULSE_SIM_INTERVAL_MS: "60000" },
  });
  await using browser = await launchBrowser();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector(".badge[data-status=live]", { timeout: 10_000 });
    const state = (await (await fetch(new URL("/api/snapshot", server.url)))
      .json()).data;
    assert.equal(state.timezone, "America/New_York");
    const money = (minor: number, signed = false) =>
      `${minor < 0 ? "-" : signed && minor > 0 ? "+" : ""}$${
        (Math.abs(minor) / 100).toLocaleString("en-US", {
          minimumFractionDigits: 2,
        })
      }`;
    for (
      const [label, id, title] of [
        ["Month", "mtd", "Month to date"],
        ["Year", "ytd", "Year to date"],
        ["Today", "today", "Today"],
      ] as const
    ) {
      await page.click(`.period:text-is("${label}")`);
      await page.waitForFunction(
        (t) =>
          document.querySelector("[data-testid=period-title]")?.textContent ===
            t,
        title,
        { timeout: 5_000 },
      );
      const p = state.periods[id];
      assert.equal(
        await page.textContent("[data-testid=net]"),
        money(p.netMinor, true),
        `${id}: the net figure is the period's`,
      );
      assert.equal(
        await page.textContent("[data-testid=revenue]"),
        money(p.revenueMinor),
      );
      assert.match(
        await page.textContent("[data-testid=net-context]") ?? "",
        /^since .+, America\/New_York · ([+−±]\d+ % vs|\d+× |nothing |the same as )/,
      );
      assert.match(
        await page.textContent("[data-testid=revenue-change]") ?? "",
        /(vs |nothing |the same as |× )(yesterday at this time|last month at this point|last year at this point)( \(\$[\d,]+\.\d\d\))?$/,
      );
    }
    // Balances: their own section, not in any total.
    const balance = await page.textContent("[data-testid=balance-sim-balance]");
    assert.match(balance ?? "", MONEY);
    assert.equal(
      await page.textContent("[data-source=sim-balance] .source-role"),
      "balance (not in the P&L)",
    );
    // The choice survives a reload: the server renders it.
    await page.click('.period:text-is("Quarter")');
    await page.waitForURL(/period=qtd/);
    const html = await (await fetch(new URL("/?period=qtd", server.url)))
      .text();
    assert.match(html, /Quarter to date/);
    await page.reload();
    assert.equal(
      await page.getAttribute(".period[data-period=qtd]", "aria-pressed"),
      "true",
    );
    assert.match(
      await page.textContent("[data-testid=time-zone]") ?? "",
      /America\/New_York, the board's time zone/,
    );
  } finally {
    await context.close();
  }
});
