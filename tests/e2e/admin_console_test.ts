/**
 * The operator console in a browser: each source's last hour (latency
 * percentiles, sparklines), the topics' rates, and the actions, which an
 * operator clicks and the server carries out. Also takes the screenshot
 * docs/operations.md shows.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { eventually } from "../_helpers/eventually.ts";
import { ROOT, startServerProcess } from "../_helpers/server_process.ts";

Deno.test("in a browser, /admin shows each source's last hour with sparklines, topic rates and the clients; 'Read now' and 'Disconnect' are carried out and audited", async () => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "200", PULSE_BATCH_MS: "20" },
  });
  await using browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}admin`);
    await page.waitForSelector("main.admin[data-status=live]", {
      timeout: 10_000,
    });
    const row = "[aria-label=Sources] tr[data-row=sim-revenue]";
    await page.waitForSelector(`${row} svg.spark`, { timeout: 10_000 });
    const p95 = await page.evaluate((selector) => {
      const table = document.querySelector("[aria-label=Sources] table")!;
      const heads = [...table.querySelectorAll("thead th")].map((th) =>
        th.textContent
      );
      const cells = [...document.querySelector(selector)!.children];
      return cells[heads.indexOf("p95 latency")]?.textContent;
    }, row);
    assert.match(p95 ?? "", /^\d+(\.\d)? (ms|s)$/, `p95 latency cell: ${p95}`);
    // Headers an operator reads, not the JSON's camelCase; nothing wider
    // than a 1280 px screen.
    const look = await page.evaluate(() => ({
      heads: [...document.querySelectorAll("main.admin thead th")].map((th) =>
        th.textContent ?? ""
      ),
      scrollWidth: document.documentElement.scrollWidth,
      scrolled: [...document.querySelectorAll(".table-scroll")].filter((el) =>
        el.scrollWidth > el.clientWidth + 1
      ).map((el) => el.closest("section")?.getAttribute("aria-label")),
    }));
    assert.deepEqual(
      look.heads.filter((h) => /^[a-z]+[A-Z]|Ms$|1h$/.test(h)),
      [],
      "camelCase headers",
    );
    assert.ok(look.heads.includes("Errors (1 h)"));
    assert.ok(
      look.scrollWidth <= 1280,
      `the console is ${look.scrollWidth}px wide`,
    );
    await page.waitForFunction(
      () => {
        const table = document.querySelector("[aria-label=Topics] table");
        if (!table) return false;
        const heads = [...table.querySelectorAll("thead th")].map((th) =>
          th.textContent
        );
        const cell = table.querySelector("tr[data-row=pnl]")
          ?.children[heads.indexOf("Updates a second")];
        return Number(cell?.textContent) > 0;
      },
      undefined,
      { timeout: 10_000 },
    );
    await page.click("[data-actions=sim-revenue] button:text('Read now')");
    await page.waitForFunction(
      () =>
        document.querySelector("[data-actions=sim-revenue] output")
          ?.textContent?.startsWith("read asked"),
      undefined,
      // The read's answer waits for the read; a busy machine is slower.
      { timeout: 15_000 },
    );
    // The audit line may reach this test's reader of the server's output
    // after the answer reached the page.
    await eventually(
      () =>
        server.lines.some((l) =>
            l.includes('"msg":"admin action"') &&
            l.includes('"source":"sim-revenue"')
          )
          ? true
          : undefined,
      "the action's audit line",
      10_000,
    );
    // A board elsewhere: its connection is listed, and can be closed.
    const board = await context.newPage();
    await board.goto(server.url);
    await board.waitForSelector("[data-status=live]", { timeout: 10_000 });
    const boardRow = await page.waitForFunction(
      () => {
        const rows = [
          ...document.querySelectorAll("[aria-label=Clients] tbody tr"),
        ];
        const row = rows.find((r) => r.textContent?.includes("pnl"));
        return row?.getAttribute("data-row") ?? false;
      },
      undefined,
      { timeout: 10_000 },
    );
    const id = await boardRow.jsonValue() as string;
    assert.match(
      await page.textContent(`[aria-label=Clients] tr[data-row=${id}]`) ?? "",
      /ws.*127\.0\.0\.1.*pnl/,
    );
    await page.click(
      `[aria-label=Clients] tr[data-row=${id}] button:text('Disconnect')`,
    );
    await page.waitForFunction(
      (row) =>
        document.querySelector(`[aria-label=Clients] tr[data-row=${row}]`) ===
          null,
      id,
      { timeout: 10_000 },
    );
    // The board was closed, not banned: it reconnects and goes on.
    await board.waitForSelector("[data-status=live]", { timeout: 10_000 });
    const before = Number(await board.getAttribute("[data-seq]", "data-seq"));
    await board.waitForFunction(
      (s) =>
        Number(document.querySelector("[data-seq]")?.getAttribute("data-seq")) >
          s,
      before,
      { timeout: 10_000 },
    );
    assert.ok(
      server.lines.some((l) =>
        l.includes('"action":"disconnect"') &&
        l.includes(`"connection":"${id}"`)
      ),
      "the disconnect is audited",
    );
    await board.close();
    await Deno.mkdir(`${ROOT}test-results`, { recursive: true });
    await page.screenshot({
      path: `${ROOT}test-results/admin.png`,
      fullPage: true,
    });
  } finally {
    await context.close();
  }
});
