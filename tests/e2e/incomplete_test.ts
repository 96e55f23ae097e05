/**
 * A missing figure is never a silent zero: with an expense source that
 * cannot be read, the board marks Expenses and the net figure incomplete
 * and says which source is missing and why, in words.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { serveMock } from "../_helpers/upstreams/mod.ts";

Deno.test("in a browser, an expense source never read makes Expenses and the net figure incomplete, naming it and why", async () => {
  await using upstream = serveMock(() => Response.json({ total: 125_000 }));
  // A port just closed: every read of api-costs is refused.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = closed.addr.port;
  closed.close();
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "shop",
          kind: "http-json",
          role: "revenue",
          url: `${upstream.url}/total`,
          amountPointer: "/total",
          unit: "minor",
          intervalMs: 1_000,
        }, {
          id: "api-costs",
          kind: "http-json",
          role: "expense",
          url: `http://127.0.0.1:${deadPort}/costs`,
          amountPointer: "/total",
          unit: "minor",
          intervalMs: 1_000,
          timeoutMs: 500,
          // No opening on a count of failures in a row: this test reads a
          // failing read's words, not an open breaker's.
          breaker: { failureThreshold: 1_000, cooldownMs: 30_000 },
        }],
      }),
    );
    await using server = await startServerProcess({
      env: { PULSE_CONFIG: file },
    });
    await using browser = await launchBrowser();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForSelector("[data-testid=incomplete]", {
        timeout: 10_000,
      });
      // Everything is read in the frame whose banner first names the
      // refused connection: ten failed reads later the failure-rate rule
      // opens the breaker (whatever its threshold) and the words change.
      const seen = await (await page.waitForFunction(
        () => {
          const q = (selector: string) => document.querySelector(selector);
          const banner = q("[data-testid=incomplete]")?.textContent ?? "";
          if (!/connection refused/.test(banner)) return false;
          return {
            banner,
            expenses: q("[data-testid=expenses]")?.getAttribute(
              "data-incomplete",
            ),
            net: q("[data-testid=net]")?.getAttribute("data-incomplete"),
            revenue: q("[data-testid=revenue]")?.getAttribute(
              "data-incomplete",
            ),
            revenueText: q("[data-testid=revenue]")?.textContent,
            status: q("[data-source=api-costs] .source-status")?.textContent,
            error: q("[data-source=api-costs] [data-testid=source-error]")
              ?.textContent,
          };
        },
        undefined,
        { timeout: 15_000 },
      )).jsonValue();
      assert.ok(seen);
      assert.match(
        seen.banner,
        /no figure from api-costs \(expense: connection refused\)/,
      );
      assert.equal(seen.expenses, "true");
      assert.equal(seen.net, "true");
      assert.equal(seen.revenue, null, "revenue has its figure");
      assert.equal(seen.revenueText, "$1,250.00");
      // The source's own row says what is wrong, in words.
      assert.equal(seen.status, "no figure");
      assert.match(
        seen.error ?? "",
        /^connection refused \(failing since \d\d:\d\d; (next try in \d+ m?s|trying now)\)$/,
      );
    } finally {
      await context.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
