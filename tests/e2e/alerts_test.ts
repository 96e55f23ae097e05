/**
 * Firing alerts are seen where people look: a real server with an alert
 * rule on revenue, a signed sale that crosses it, and the board in
 * Chromium showing the banner (figure, threshold, since when) within a
 * second, then the resolve in its recent alerts.
 */
import assert from "node:assert/strict";
import { postSigned } from "../_helpers/ingest.ts";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const SECRET = "whsec_shop";

Deno.test("in a browser, a firing alert shows as a banner within a second of the state that crossed it, and its resolve in the recent alerts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "shop",
          kind: "webhook",
          role: "revenue",
          mode: "increment",
          secretEnv: "SHOP_SECRET",
        }],
        alerts: [{
          id: "big-sales",
          figure: "revenue",
          above: 100,
          severity: "critical",
        }],
      }),
    );
    await using server = await startServerProcess({
      env: { PULSE_CONFIG: file, SHOP_SECRET: SECRET },
    });
    const sell = (id: string, amount: string) =>
      postSigned(server.url, "shop", SECRET, { id, amount });
    await using browser = await launchBrowser();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForSelector("[data-source=shop]", { timeout: 10_000 });
      assert.equal(await page.locator("[data-testid=alerts]").count(), 0);
      // Timed in the page, from the frame that first shows the crossing
      // figure to the frame that shows the banner: what the reader sees,
      // apart from how long the delivery took to reach the page.
      const gap = page.evaluate(() =>
        new Promise<number>((resolve, reject) => {
          const started = performance.now();
          let figureAt: number | undefined;
          const look = () => {
            const now = performance.now();
            const revenue = document.querySelector("[data-testid=revenue]");
            if (figureAt === undefined && revenue?.textContent === "$150.00") {
              figureAt = now;
            }
            if (document.querySelector("[data-rule=big-sales]")) {
              return figureAt === undefined
                ? reject(
                  new Error(
                    `a banner while revenue shows ${revenue?.textContent}`,
                  ),
                )
                : resolve(now - figureAt);
            }
            if (now - started > 10_000) {
              return reject(new Error("no banner within 10 s"));
            }
            requestAnimationFrame(look);
          };
          look();
        })
      );
      await sell("o1", "150.00");
      const ms = await gap;
      assert.ok(ms < 1000, `banner ${ms.toFixed(0)} ms after the figure`);
      const banner = page.locator("[data-rule=big-sales].alert-critical");
      await banner.waitFor({ timeout: 5_000 });
      assert.match(
        await banner.textContent() ?? "",
        /critical Revenue today is \$150\.00, above \$100\.00 since \d\d:\d\d/,
      );
      await sell("r1", "-100.00");
      await page.locator("[data-rule=big-sales]").waitFor({
        state: "detached",
        timeout: 5_000,
      });
      await page.click(".alerts-recent summary");
      assert.match(
        await page.textContent(".alerts-recent") ?? "",
        /resolved: Revenue today is back: \$50\.00, no longer above \$100\.00/,
      );
    } finally {
      await context.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
