/**
 * A read-only viewer link in a browser: it signs the screen in, the board
 * goes live (with ?kiosk kept), a source's drill-down reads its history,
 * and /admin is refused.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const TOKEN = "operator-token-0123456789abcdef";

Deno.test("in a browser, a viewer link opens a live board, its drill-down and history, and is refused on /admin", async () => {
  await using server = await startServerProcess({
    env: {
      PULSE_TOKENS: TOKEN,
      PULSE_SESSION_SECRET: "s".repeat(32),
    },
  });
  const minted = await fetch(new URL("/api/viewer-links", server.url), {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ hours: 24 }),
  });
  assert.equal(minted.status, 200);
  const { url } = await minted.json() as { url: string };
  await using browser = await launchBrowser();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    // Without the link, the board asks for a sign-in.
    await page.goto(server.url);
    assert.match(new URL(page.url()).pathname, /^\/login/);
    await page.goto(new URL(url, server.url).href);
    assert.equal(new URL(page.url()).pathname, "/");
    await page.waitForSelector(".badge[data-status=live]", {
      timeout: 10_000,
    });
    await page.click("[data-source=sim-revenue] button.source-name");
    await page.waitForSelector(
      "[data-source=sim-revenue] [data-testid=sparkline]",
      { timeout: 5_000 },
    );
    // A viewer is not offered the operator console.
    assert.equal(await page.$("[data-testid=admin-link]"), null);
    const admin = await page.goto(new URL("/admin", server.url).href);
    assert.equal(admin?.status(), 403);
    assert.match(await page.textContent("body") ?? "", /viewer|operator/i);
  } finally {
    await context.close();
  }
});
