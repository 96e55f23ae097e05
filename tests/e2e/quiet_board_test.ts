/**
 * A healthy but quiet board stays live: real accounts change once a
 * minute or less, so a page that resumes at the current seq gets nothing
 * to apply. The server acknowledges the subscription at once (a heartbeat
 * carrying the position) and heartbeats every 15 s; the client judges
 * silence against that, never against the data rate. Before, the badge
 * stepped down WebSocket -> SSE -> long-poll within seconds.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

Deno.test("in a browser, a board whose figures do not change for a minute stays live on WebSocket the whole time", async () => {
  // The simulator moves once every ten minutes: nothing changes in the test.
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "600000" },
  });
  await using browser = await launchBrowser();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector("[data-status=live][data-transport=ws]", {
      timeout: 10_000,
    });
    const seq = await page.getAttribute("[data-seq]", "data-seq");
    // Sampled every 5 s for 60 s: always WebSocket, always live.
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      await page.waitForTimeout(5_000);
      const badge = await page.$eval(
        "[data-status]",
        (el) =>
          `${el.getAttribute("data-transport")}/${
            el.getAttribute("data-status")
          }`,
      );
      seen.add(badge);
    }
    assert.deepEqual([...seen], ["ws/live"]);
    assert.equal(
      await page.getAttribute("[data-seq]", "data-seq"),
      seq,
      "nothing changed: the board was quiet",
    );
  } finally {
    await context.close();
  }
});
