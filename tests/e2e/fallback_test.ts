import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { ROOT, startServerProcess } from "../_helpers/server_process.ts";

const FAST = {
  PULSE_SIM_INTERVAL_MS: "150",
  PULSE_BATCH_MS: "20",
  PULSE_RECONNECT_BASE_MS: "200",
  PULSE_RECONNECT_SPREAD_MS: "300",
};

async function seqOf(page: import("playwright-core").Page): Promise<number> {
  return Number(await page.getAttribute("[data-seq]", "data-seq"));
}

async function seqAdvances(
  page: import("playwright-core").Page,
): Promise<void> {
  const seq = await seqOf(page);
  await page.waitForFunction(
    (s) =>
      Number(document.querySelector("[data-seq]")?.getAttribute("data-seq")) >
        s + 2,
    seq,
    { timeout: 10_000 },
  );
}

Deno.test("in a browser, the board falls back to SSE when WebSocket is blocked, to long-poll when SSE is too, and keeps updating", async (t) => {
  await using server = await startServerProcess({ env: FAST });
  await using browser = await launchBrowser();

  await t.step(
    "WebSocket blocked: the badge shows sse within a few seconds",
    async () => {
      const page = await browser.newPage();
      // Every WebSocket opens and is closed before its first message, as by a hostile proxy.
      await page.routeWebSocket(/\/api\/ws/, (ws) => ws.close());
      await page.goto(server.url);
      await page.waitForSelector("[data-transport=sse][data-status=degraded]", {
        timeout: 10_000,
      });
      await seqAdvances(page);
      await page.close();
    },
  );

  await t.step(
    "SSE blocked too: the badge shows poll and figures keep updating",
    async () => {
      const page = await browser.newPage();
      await page.routeWebSocket(/\/api\/ws/, (ws) => ws.close());
      await page.route(/\/api\/sse/, (route) => route.abort());
      await page.goto(server.url);
      await page.waitForSelector(
        "[data-transport=poll][data-status=degraded]",
        { timeout: 15_000 },
      );
      await seqAdvances(page);
      await page.close();
    },
  );

  await t.step("?transport=sse forces SSE", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}?transport=sse`);
    await page.waitForSelector("[data-transport=sse][data-status=live]", {
      timeout: 10_000,
    });
    await page.close();
  });
});

Deno.test("in a browser, the board recovers by itself after a server restart and data-seq moves on in the new epoch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = { ...FAST, PULSE_DB: `${dir}/p.db` };
    const first = await startServerProcess({ env });
    await using browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(first.url);
    await page.waitForSelector("[data-status=live]", { timeout: 10_000 });
    const epoch = await page.getAttribute("[data-epoch]", "data-epoch");
    await first.stop("SIGTERM");
    await page.waitForSelector("[data-status=reconnecting]", {
      timeout: 10_000,
    });
    await using second = await startServerProcess({
      env: { ...env, PORT: new URL(first.url).port },
    });
    await page.waitForFunction(
      (e) =>
        document.querySelector("[data-epoch]")?.getAttribute("data-epoch") !==
          e,
      epoch,
      { timeout: 15_000 },
    );
    await page.waitForSelector("[data-status=live]", { timeout: 10_000 });
    await seqAdvances(page);
    const snapshot = await (await fetch(new URL("/api/snapshot", second.url)))
      .json();
    assert.equal(
      await page.getAttribute("[data-epoch]", "data-epoch"),
      snapshot.epoch,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("screenshots of the board: light, dark and phone width", async () => {
  await using server = await startServerProcess({ env: FAST });
  await using browser = await launchBrowser();
  await Deno.mkdir(`${ROOT}test-results`, { recursive: true });
  const shots: [string, Parameters<typeof browser.newContext>[0]][] = [
    ["dashboard-light.png", {
      viewport: { width: 1100, height: 760 },
      colorScheme: "light",
    }],
    ["dashboard-dark.png", {
      viewport: { width: 1100, height: 760 },
      colorScheme: "dark",
    }],
    ["dashboard-phone.png", {
      viewport: { width: 390, height: 844 },
      colorScheme: "light",
      deviceScaleFactor: 2,
    }],
  ];
  for (const [file, options] of shots) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector("[data-status=live]", { timeout: 10_000 });
    await seqAdvances(page);
    const path = `${ROOT}test-results/${file}`;
    await page.screenshot({ path });
    assert.ok((await Deno.stat(path)).size > 10_000);
    await context.close();
  }
});
