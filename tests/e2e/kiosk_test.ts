/**
 * `?kiosk` for a wall screen: full-bleed at 1920 px, the net figure
 * scaled to the screen, no controls, and still live.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { ROOT, startServerProcess } from "../_helpers/server_process.ts";
import { longNameBoard, writeBoard } from "../_helpers/boards.ts";

Deno.test("in a browser, ?kiosk at 1920 px fills the screen with a big net figure and shows no controls", async () => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "200", PULSE_BATCH_MS: "20" },
  });
  await using browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: { width: 1920, height: 1080 },
    colorScheme: "dark",
  });
  try {
    const page = await context.newPage();
    await page.goto(new URL("/?kiosk", server.url).href);
    await page.waitForSelector("main.kiosk [data-status=live]", {
      timeout: 10_000,
    });
    const look = await page.evaluate(() => ({
      boardWidth: document.querySelector("main.board")!.getBoundingClientRect()
        .width,
      netWidth: document.querySelector("[data-testid=net]")!
        .getBoundingClientRect().width,
      netText: document.querySelector("[data-testid=net]")!.textContent,
      scrollWidth: document.documentElement.scrollWidth,
      buttons: document.querySelectorAll("button, .ranges").length,
      detailsShown: getComputedStyle(document.querySelector(".badge-details")!)
        .display,
    }));
    assert.ok(look.boardWidth >= 1920 * 0.9, `board ${look.boardWidth}px`);
    // Scaled to the screen whatever its length: half the width at least.
    assert.ok(
      look.netWidth >= 1920 * 0.5,
      `net ${look.netText} is ${look.netWidth}px wide`,
    );
    assert.ok(look.scrollWidth <= 1920, "no horizontal scroll");
    assert.equal(look.buttons, 0, "no controls");
    assert.equal(look.detailsShown, "none");
    await page.screenshot({ path: "test-results/dashboard-kiosk.png" });
  } finally {
    await context.close();
  }
});

Deno.test("in a browser, ?kiosk fits 1280x720, 1920x1080 and 3840x2160 without scrolling, in both colour schemes, with one status line readable across a room and no cursor", async () => {
  // Long names beside a source that never answers: totals incomplete.
  await using board = await writeBoard(longNameBoard());
  {
    await using server = await startServerProcess({
      env: { PULSE_CONFIG: board.file },
    });
    await using browser = await launchBrowser();
    for (
      const [width, height] of [[1280, 720], [1920, 1080], [
        3840,
        2160,
      ]] as const
    ) {
      for (const colorScheme of ["light", "dark"] as const) {
        const context = await browser.newContext({
          viewport: { width, height },
          colorScheme,
        });
        try {
          const page = await context.newPage();
          await page.goto(new URL("/?kiosk&period=ytd", server.url).href);
          await page.waitForSelector("main.kiosk [data-status=live]", {
            timeout: 10_000,
          });
          await page.waitForSelector("[data-testid=status-line]", {
            timeout: 10_000,
          });
          await page.waitForSelector("[data-testid=chart] canvas", {
            timeout: 10_000,
          });
          const look = await page.evaluate(() => {
            const rect = (s: string) => {
              const r = document.querySelector(s)!.getBoundingClientRect();
              return {
                top: r.top,
                bottom: r.bottom,
                left: r.left,
                right: r.right,
                height: r.height,
              };
            };
            const status = document.querySelector("[data-testid=status-line]")!;
            return {
              scrollHeight: document.documentElement.scrollHeight,
              scrollWidth: document.documentElement.scrollWidth,
              net: rect("[data-testid=net]"),
              trading: rect("[data-testid=trading]"),
              chart: rect("[data-testid=chart] canvas"),
              lastSource: rect(".sources li:last-child"),
              sources: rect(".sources"),
              status: status.textContent,
              statusFont: parseFloat(getComputedStyle(status).fontSize),
              statusLines: document.querySelectorAll(
                ".stale-banner, .incomplete-banner, .disconnected-banner, [data-testid=alerts]",
              ).length,
              cursor:
                getComputedStyle(document.querySelector("[data-testid=net]")!)
                  .cursor,
            };
          });
          const at = `${width}x${height} ${colorScheme}`;
          assert.ok(
            look.scrollHeight <= height,
            `${at}: scrolls (${look.scrollHeight})`,
          );
          assert.ok(look.scrollWidth <= width, `${at}: scrolls sideways`);
          for (
            const name of ["net", "trading", "chart", "lastSource"] as const
          ) {
            const r = look[name];
            assert.ok(
              r.top >= 0 && r.bottom <= height + 0.5 && r.left >= 0 &&
                r.right <= width + 0.5,
              `${at}: ${name} off screen ${JSON.stringify(r)}`,
            );
          }
          assert.ok(
            look.chart.height >= height * 0.15,
            `${at}: chart ${look.chart.height}px`,
          );
          assert.ok(
            look.net.height >= height * 0.1,
            `${at}: net ${look.net.height}px`,
          );
          assert.match(
            look.status!,
            /No figure yet from Shopify storefront \(EU\)/,
          );
          assert.ok(
            look.statusFont >= height * 0.025,
            `${at}: status line ${look.statusFont}px, under 2.5 % of ${height}`,
          );
          assert.equal(
            look.statusLines,
            0,
            `${at}: one status line, no banners`,
          );
          assert.equal(look.cursor, "none");
          if (width === 1920 && colorScheme === "dark") {
            await page.screenshot({
              path: `${ROOT}test-results/dashboard-kiosk.png`,
            });
          }
        } finally {
          await context.close();
        }
      }
    }
  }
});

Deno.test("in a browser, ?kiosk&rotate=S steps a wall screen through the periods every S seconds, and a rotation outside 10 to 3600 s is none", async () => {
  await using server = await startServerProcess({});
  await using browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 720 },
  });
  try {
    const page = await context.newPage();
    // The page's clock runs on command: no waiting out real minutes.
    await page.clock.install();
    await page.goto(new URL("/?kiosk&rotate=30", server.url).href);
    await page.waitForSelector("main.kiosk [data-testid=period-title]");
    const title = () => page.textContent("[data-testid=period-title]");
    assert.equal(await title(), "Today");
    await page.clock.runFor(30_000);
    assert.equal(await title(), "Week to date");
    for (let i = 0; i < 4; i++) await page.clock.runFor(30_000);
    assert.equal(await title(), "Today", "round again after the year");
    await page.goto(new URL("/?kiosk&rotate=5", server.url).href);
    await page.waitForSelector("main.kiosk [data-testid=period-title]");
    await page.clock.runFor(60_000);
    assert.equal(await title(), "Today", "5 s is too fast: no rotation");
  } finally {
    await context.close();
  }
});
