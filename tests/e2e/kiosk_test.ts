/**
 * `?kiosk` for a wall screen: full-bleed at 1920 px, the net figure
 * scaled to the screen, no controls, and still live.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

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
