/**
 * Kalshi's pushes move the board: a real server whose Kalshi source polls
 * once a minute but holds Kalshi's authenticated WebSocket (the mock
 * verifies the signed handshake like Kalshi); a fill pushed on it shows
 * on the board within a second, and a dropped socket reconnects and
 * reconciles by reading REST at once.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { kalshiKeys, kalshiMock } from "../_helpers/upstreams/mod.ts";
import { eventually } from "../_helpers/eventually.ts";
import { kalshiFill } from "../_helpers/upstreams/kalshi_shapes.ts";

const keys = await kalshiKeys();

/** Resolves once `check` holds. */
const until = (check: () => boolean, what: string) =>
  eventually(() => check() || undefined, what, 10_000, 20);

Deno.test("in a browser, a Kalshi fill pushed on its WebSocket moves the board within a second; a dropped socket reconnects and reconciles", async () => {
  await using kalshi = kalshiMock({ keys });
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "kalshi",
          kind: "kalshi",
          role: "trading",
          environment: "demo",
          baseUrl: kalshi.apiUrl,
          keyIdEnv: "KALSHI_KEY_ID",
          privateKeyEnv: "KALSHI_KEY",
          figure: "realized",
          intervalMs: 60_000,
        }],
      }),
    );
    await using server = await startServerProcess({
      env: {
        PULSE_CONFIG: file,
        KALSHI_KEY_ID: keys.keyId,
        KALSHI_KEY: keys.pkcs8Pem,
      },
    });
    await using browser = await launchBrowser();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForSelector("[data-source=kalshi].source-ok", {
        timeout: 10_000,
      });
      await until(() => kalshi.wsConnections >= 1, "the signed WebSocket");
      assert.equal(await page.textContent("[data-testid=trading]"), "$0.00");

      // A closing fill now: 3 more of A sold at 0.80, bought at 0.40,
      // fee 0.012: +1.188 realized today. REST knows it when the push
      // arrives, as Kalshi's does.
      const now = new Date().toISOString();
      const fill = kalshiFill({
        id: "f5",
        ticker: "KXEX-26JUN11-A",
        action: "sell",
        side: "yes",
        count: "3.00",
        yes: "0.8000",
        fee: "0.012000",
        created: now,
      });
      kalshi.fixture.fills.push(fill);
      Object.assign(kalshi.fixture.positions[0]!, {
        realized_pnl_dollars: "1.450000",
        fees_paid_dollars: "0.030900",
        position_fp: "0.00",
        last_updated_ts: now,
      });
      const sent = performance.now();
      kalshi.push("fill", fill);
      await page.waitForFunction(
        () =>
          document.querySelector("[data-testid=trading]")?.textContent ===
            "+$1.19",
        undefined,
        { timeout: 5_000 },
      );
      const ms = performance.now() - sent;
      assert.ok(ms < 1_000, `shown ${Math.round(ms)} ms after the push`);

      // The socket drops: it comes back, and REST is read at once.
      const reads = kalshi.requests.get("/trade-api/v2/portfolio/balance") ?? 0;
      kalshi.dropSockets();
      await until(() => kalshi.wsConnections >= 2, "a reconnect");
      await until(
        () =>
          (kalshi.requests.get("/trade-api/v2/portfolio/balance") ?? 0) > reads,
        "a reconciling read",
      );
    } finally {
      await context.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
