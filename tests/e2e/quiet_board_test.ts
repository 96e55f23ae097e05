/**
 * A healthy but quiet board stays live: real accounts change once a
 * minute or less, so a page that resumes at the current seq gets nothing
 * to apply. The server acknowledges the subscription at once (a heartbeat
 * carrying the position) and heartbeats every `PULSE_HEARTBEAT_MS`; the
 * page judges silence against that interval (it comes with the page),
 * never against the data rate. Before, the badge stepped down WebSocket ->
 * SSE -> long-poll within seconds, and a heartbeat longer than the
 * client's fixed 35 s ended healthy connections.
 *
 * The server here beats every second, so the page's liveness is 7 s
 * (`livenessForHeartbeat`): 10 s of quiet outlast one of its windows, and
 * a frozen server is noticed within one, where the default's 35 s would
 * not be. The same test at the default 15 s took over a minute.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { livenessForHeartbeat } from "@/lib/client/mod.ts";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const HEARTBEAT_MS = 1_000;

function badge(page: Page): Promise<string> {
  return page.$eval(
    "[data-status]",
    (el) =>
      `${el.getAttribute("data-transport")}/${el.getAttribute("data-status")}`,
  );
}

Deno.test("in a browser, a board whose figures do not change stays live on WebSocket through several heartbeat windows, and notices a frozen server within the window the server's heartbeat sets", async () => {
  // The simulator moves once every ten minutes: nothing changes in the test.
  await using server = await startServerProcess({
    env: {
      PULSE_SIM_INTERVAL_MS: "600000",
      PULSE_HEARTBEAT_MS: String(HEARTBEAT_MS),
    },
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
    const liveness = livenessForHeartbeat(HEARTBEAT_MS);
    // Sampled every second for longer than a liveness window: always live.
    const seen = new Set<string>();
    const quietUntil = performance.now() + liveness + 3_000;
    while (performance.now() < quietUntil) {
      await page.waitForTimeout(1_000);
      seen.add(await badge(page));
    }
    assert.deepEqual([...seen], ["ws/live"]);
    assert.equal(
      await page.getAttribute("[data-seq]", "data-seq"),
      seq,
      "nothing changed: the board was quiet",
    );

    // A frozen server sends no heartbeat: the page stops calling itself
    // live within its liveness window (plus a connect attempt), far
    // sooner than the default 35 s, and is live again once it thaws.
    Deno.kill(server.pid, "SIGSTOP");
    try {
      const frozenAt = performance.now();
      await page.waitForFunction(
        () =>
          document.querySelector("[data-status]")?.getAttribute(
            "data-status",
          ) !== "live",
        undefined,
        { timeout: liveness + 5_000, polling: 250 },
      );
      const noticedMs = performance.now() - frozenAt;
      assert.ok(
        noticedMs < 35_000 - 10_000,
        `noticed after ${Math.round(noticedMs)} ms`,
      );
    } finally {
      Deno.kill(server.pid, "SIGCONT");
    }
    await page.waitForSelector("[data-status=live]", { timeout: 30_000 });
  } finally {
    await context.close();
  }
});
