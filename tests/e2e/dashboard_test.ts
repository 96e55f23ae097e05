import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { ROOT, startServerProcess } from "../_helpers/server_process.ts";

const MONEY = /^[+-]?\$[\d,]+\.\d\d$/;

Deno.test("the dashboard shows server-rendered figures without JavaScript and updates live once hydrated", async (t) => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "150", PULSE_BATCH_MS: "20" },
  });
  await using browser = await launchBrowser();

  await t.step("figures are in the HTML before any script runs", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      const net = await page.textContent("[data-testid=net]");
      assert.match(net ?? "", MONEY);
      for (const id of ["revenue", "expenses", "trading"]) {
        assert.match(
          await page.textContent(`[data-testid=${id}]`) ?? "",
          MONEY,
        );
      }
      assert.equal(
        await page.getAttribute("[data-status]", "data-status"),
        "connecting",
      );
    } finally {
      await context.close();
    }
  });

  await t.step("net P&L and seq change after hydration", async () => {
    const context = await browser.newContext({
      viewport: { width: 1100, height: 800 },
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      // Console errors include Content-Security-Policy violations.
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      await page.goto(server.url);
      const firstNet = await page.textContent("[data-testid=net]");
      const firstSeq = Number(
        await page.getAttribute("[data-seq]", "data-seq"),
      );
      await page.waitForSelector("[data-status=live][data-transport=ws]", {
        timeout: 10_000,
      });
      await page.waitForFunction(
        ([net, seq]) =>
          document.querySelector("[data-testid=net]")?.textContent !== net &&
          Number(
              document.querySelector("[data-seq]")?.getAttribute("data-seq"),
            ) > Number(seq),
        [firstNet, firstSeq] as const,
        { timeout: 10_000 },
      );
      assert.match(await page.textContent("[data-testid=net]") ?? "", MONEY);
      await page.waitForSelector("[data-testid=chart] canvas", {
        timeout: 10_000,
      });
      // Choosing the month asks for the month's history from its start.
      const history = page.waitForRequest((r) =>
        r.url().includes("/api/history") && r.url().includes("period=mtd")
      );
      await page.getByRole("button", { name: "Month" }).click();
      const from = new URL((await history).url()).searchParams.get("from")!;
      const start = new Date();
      assert.equal(
        from,
        new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1))
          .toISOString(),
        `the month asked from its first instant (UTC board), not ${from}`,
      );
      assert.equal(
        (await page.textContent(".period[aria-pressed=true]"))?.trim(),
        "Month",
      );
      assert.match(
        await page.textContent("[aria-live=polite]") ?? "",
        /^Net P&L (Today|Week to date|Month to date|Quarter to date|Year to date) [+-]?\$/,
      );
      assert.match(
        await page.textContent("[data-source=sim-revenue] .source-age") ?? "",
        /^updated (\d+ s ago|just now)$/,
      );
      assert.deepEqual(errors, []);
      await Deno.mkdir(`${ROOT}test-results`, { recursive: true });
      await page.screenshot({ path: `${ROOT}test-results/dashboard.png` });
    } finally {
      await context.close();
    }
  });
});

Deno.test("the operator page updates live and counts its own WebSocket; the board shows server health", async () => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "200" },
  });
  await using browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${server.url}admin`);
  await page.waitForSelector("main.admin[data-status=live]", {
    timeout: 10_000,
  });
  const seq = Number(await page.getAttribute("main.admin", "data-seq"));
  await page.waitForFunction(
    (s) =>
      Number(document.querySelector("main.admin")?.getAttribute("data-seq")) >
        s,
    seq,
    { timeout: 5_000 },
  );
  await page.waitForFunction(
    () =>
      document.querySelector("[aria-label=Connections] tr[data-row=now] td")
        ?.textContent !== "0",
    undefined,
    { timeout: 5_000 },
  );
  assert.match(
    await page.textContent("[aria-label=Sources] tr[data-row=sim-revenue]") ??
      "",
    /ok\s*closed/,
  );
  // The board and the console link to each other (an open server's
  // visitor is an operator).
  await page.click("[data-testid=board-link]");
  await page.waitForURL(server.url);
  assert.equal(
    (await page.textContent("[data-testid=server-health]"))?.trim(),
    "ok",
  );
  assert.equal(
    await page.getAttribute("[data-testid=admin-link]", "href"),
    "/admin",
  );
});
