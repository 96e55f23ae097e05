/**
 * Per-source drill-down in a browser: the board's title and each source's
 * label come from the sources file; a row opens from the keyboard to the
 * detail behind its figure, its schedule, breaker and a sparkline of its
 * own history; a failing source says its error with its last success and
 * next try; and times are in the board's zone, which it names.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { ROOT, startServerProcess } from "../_helpers/server_process.ts";
import { serveMock } from "../_helpers/upstreams/mod.ts";

Deno.test("in a browser, a source row opens from the keyboard to its detail, breaker, schedule and sparkline; failures say last success and next try", async () => {
  // A shop in euros whose total grows on every read.
  let total = 100_000;
  await using shop = serveMock(() => Response.json({ total: total += 250 }));
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = closed.addr.port;
  closed.close();
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        title: "Acme P&L",
        sources: [{
          id: "shop",
          label: "Shop (EU)",
          kind: "http-json",
          role: "revenue",
          url: `${shop.url}/total`,
          amountPointer: "/total",
          unit: "minor",
          currency: "EUR",
          fxRate: "1.10",
          intervalMs: 500,
          // A healthy source: time enough that a busy machine (the suite
          // runs files in parallel) does not make a read time out.
          timeoutMs: 5_000,
          retry: { maxAttempts: 1 },
        }, {
          id: "api-costs",
          label: "API costs",
          kind: "http-json",
          role: "expense",
          url: `http://127.0.0.1:${deadPort}/costs`,
          amountPointer: "/total",
          unit: "minor",
          intervalMs: 2_000,
          timeoutMs: 300,
          // No opening on a count of failures in a row: this test reads the
          // words of a failing read, not of a paused source (the failure-
          // rate rule needs ten reads, 20 s here, twice what the test takes
          // on a busy machine).
          breaker: { failureThreshold: 1_000, cooldownMs: 30_000 },
        }],
      }),
    );
    await using server = await startServerProcess({
      env: { PULSE_CONFIG: file },
    });
    await using browser = await launchBrowser();
    const context = await browser.newContext({
      timezoneId: "America/New_York",
    });
    try {
      const page = await context.newPage();
      // A few changes first, so the shop's own series has points.
      await new Promise((r) => setTimeout(r, 2_500));
      await page.goto(server.url);
      assert.equal(await page.title(), "Acme P&L");
      assert.equal(await page.textContent("h1"), "Acme P&L");
      assert.equal(
        await page.textContent("[data-source=shop] .source-name"),
        "Shop (EU)",
      );
      // Times are in the board's zone (UTC here), not the viewer's.
      assert.equal(
        await page.textContent("[data-testid=time-zone]"),
        "Times are in UTC, the board's time zone.",
      );

      // A source never read says since when it fails and when it tries next.
      await page.waitForFunction(
        () =>
          /failing since/.test(
            document.querySelector(
              "[data-source=api-costs] [data-testid=source-error]",
            )?.textContent ?? "",
          ),
        undefined,
        { timeout: 10_000 },
      );
      assert.match(
        await page.textContent(
          "[data-source=api-costs] [data-testid=source-error]",
        ) ?? "",
        /^connection refused \(failing since \d\d:\d\d; (next try in \d+ m?s|trying now)\)$/,
      );

      // Keyboard: focus the row's name and press Enter.
      const toggle = "[data-source=shop] button.source-name";
      assert.equal(await page.getAttribute(toggle, "aria-expanded"), "false");
      assert.equal(await page.$("[data-source=shop] .source-more"), null);
      await page.focus(toggle);
      await page.keyboard.press("Enter");
      await page.waitForSelector("[data-source=shop] .source-more");
      assert.equal(await page.getAttribute(toggle, "aria-expanded"), "true");
      const more = await page.textContent("[data-source=shop] .source-more") ??
        "";
      assert.match(more, /Kindhttp-json \(revenue\), id shop/);
      assert.match(more, /Readsevery 500 ms/);
      assert.match(more, /Circuit breakerclosed: reads go through/);
      assert.match(more, /Last errornone/);
      // The detail behind the figure: the amount in euros and the rate.
      assert.match(
        await page.textContent(
          "[data-source=shop] [data-detail=originalMinor]",
        ) ??
          "",
        /^€1,\d{3}\.\d\d$/,
      );
      assert.equal(
        await page.textContent("[data-source=shop] [data-detail=fxRate]"),
        "1.10",
      );
      // Its own history, drawn: several steps in the last 24 h.
      await page.waitForSelector("[data-source=shop] [data-testid=sparkline]", {
        timeout: 5_000,
      });
      const points = Number(
        await page.getAttribute(
          "[data-source=shop] [data-testid=sparkline]",
          "data-points",
        ),
      );
      assert.ok(points >= 3, `sparkline points: ${points}`);
      assert.match(
        await page.textContent("[data-source=shop] figcaption") ?? "",
        /^Last 24 h: low \$1,1\d\d\.\d\d, high \$1,1\d\d\.\d\d$/,
      );
      await page.screenshot({
        path: `${ROOT}test-results/dashboard-drilldown.png`,
        fullPage: true,
      });
      // Pointer: a click closes it again.
      await page.click(toggle);
      await page.waitForSelector("[data-source=shop] .source-more", {
        state: "detached",
      });

      // The shop fails now: its row keeps the figure, says when it last
      // succeeded and when it tries next.
      shop.fault = { kind: "status", status: 503 };
      await page.waitForFunction(
        () =>
          /last success/.test(
            document.querySelector(
              "[data-source=shop] [data-testid=source-error]",
            )?.textContent ?? "",
          ),
        undefined,
        { timeout: 10_000 },
      );
      assert.match(
        await page.textContent(
          "[data-source=shop] [data-testid=source-error]",
        ) ?? "",
        /\(last success \d\d:\d\d, \d+ m?s ago; (next try in \d+ m?s|trying now)\)$/,
      );
      await page.click(toggle);
      const failing = await page.textContent(
        "[data-source=shop] .source-more",
      ) ?? "";
      assert.match(failing, /Last success\d\d:\d\d/);
      assert.match(failing, /Last error.+, failing since \d\d:\d\d/);
    } finally {
      await context.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
