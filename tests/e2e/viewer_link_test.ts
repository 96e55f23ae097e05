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
  assert.equal(minted.status, 201);
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

Deno.test("in a browser, an operator makes two named share links from the console, a wall screen opens on its kiosk view and period, and revoking that link alone signs the screen out while the other goes on", async () => {
  await using server = await startServerProcess({
    env: { PULSE_TOKENS: TOKEN, PULSE_SESSION_SECRET: "s".repeat(32) },
  });
  await using browser = await launchBrowser();
  const operator = await browser.newContext({
    viewport: { width: 1280, height: 900 },
  });
  const tv = await browser.newContext({
    viewport: { width: 1920, height: 1080 },
  });
  const investor = await browser.newContext();
  try {
    const console = await operator.newPage();
    await console.goto(new URL("/login?next=%2Fadmin", server.url).href);
    await console.fill("#token", TOKEN);
    await console.click("button[type=submit]");
    await console.waitForURL(/\/admin$/);
    const make = async (
      name: string,
      lasts: string,
      period: string,
      kiosk: boolean,
    ) => {
      await console.fill(".share-form input[name=name]", name);
      await console.selectOption(".share-form select[name=hours]", lasts);
      await console.selectOption(".share-form select[name=period]", period);
      await console.setChecked(".share-form input[name=kiosk]", kiosk);
      await console.click(".share-form button[type=submit]");
      await console.waitForFunction(
        (n) =>
          document.querySelector("[data-testid=share-said]")?.textContent ===
            `Made "${n}".`,
        name,
      );
      return await console.inputValue("[data-testid=share-url]");
    };
    const tvUrl = await make("Office TV (lobby)", "never", "mtd", true);
    const investorUrl = await make("Investors Q4", "8784", "today", false);
    const rows = console.locator(".share-links tbody tr");
    // The list is fetched again after each one is made.
    await console.waitForFunction(
      () => document.querySelectorAll(".share-links tbody tr").length === 2,
    );
    assert.equal(await rows.count(), 2);
    assert.match(
      (await rows.nth(1).textContent())!,
      /Office TV \(lobby\)wall screen, Month.*nevernot yetactive/,
    );

    const screen = await tv.newPage();
    await screen.goto(tvUrl);
    const at = new URL(screen.url());
    assert.equal(at.pathname, "/");
    assert.ok(at.searchParams.has("kiosk"), "the kiosk view is kept");
    assert.equal(at.searchParams.get("period"), "mtd", "the period is kept");
    await screen.waitForSelector("[data-status=live]", { timeout: 10_000 });
    const other = await investor.newPage();
    await other.goto(investorUrl);
    await other.waitForSelector("[data-status=live]", { timeout: 10_000 });

    // Revoked alone, from its row.
    await console.click('button[aria-label="Revoke Office TV (lobby)"]');
    await console.waitForSelector(".share-links td[data-status=revoked]");
    // The wall screen's live stream ends at once; a reload asks to sign in.
    await screen.waitForFunction(
      () => document.querySelector("main")?.dataset.status !== "live",
      undefined,
      { timeout: 10_000 },
    );
    await screen.reload();
    assert.match(new URL(screen.url()).pathname, /^\/login/);
    // The other link's screen goes on.
    await other.reload();
    await other.waitForSelector("[data-status=live]", { timeout: 10_000 });
    assert.equal(new URL(other.url()).pathname, "/");
  } finally {
    await operator.close();
    await tv.close();
    await investor.close();
  }
});
