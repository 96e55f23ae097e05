/**
 * Calm motion and honest outages, in a browser: at ten updates a second
 * the net figure highlights at most once a second, never under
 * `prefers-reduced-motion`; when the server goes away the figures dim
 * and the board says it is reconnecting and since when, and the badge's
 * server line no longer says "ok".
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

/** Counts how often the net figure gains a flash class over `ms`. */
const COUNT_FLASHES = (ms: number) =>
  new Promise<number>((resolve) => {
    const net = document.querySelector("[data-testid=net]")!;
    let flashes = 0;
    const observer = new MutationObserver(() => {
      if (/flash-(up|down)/.test(net.className)) flashes++;
    });
    observer.observe(net, { attributes: true, attributeFilter: ["class"] });
    setTimeout(() => {
      observer.disconnect();
      resolve(flashes);
    }, ms);
  });

Deno.test("in a browser, the net figure highlights at most once a second at ten updates a second, and never under reduced motion", async () => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "100", PULSE_BATCH_MS: "20" },
  });
  await using browser = await launchBrowser();
  for (const reducedMotion of ["no-preference", "reduce"] as const) {
    const context = await browser.newContext({ reducedMotion });
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForSelector("[data-status=live]", { timeout: 10_000 });
      const seqBefore = Number(
        await page.getAttribute("[data-seq]", "data-seq"),
      );
      const flashes = await page.evaluate(COUNT_FLASHES, 3_000);
      const seqAfter = Number(
        await page.getAttribute("[data-seq]", "data-seq"),
      );
      assert.ok(seqAfter - seqBefore >= 10, "the figure kept changing");
      if (reducedMotion === "reduce") assert.equal(flashes, 0);
      else {assert.ok(
          flashes >= 1 && flashes <= 4,
          `${flashes} highlights in 3 s`,
        );}
    } finally {
      await context.close();
    }
  }
});

Deno.test("in a browser, a server that goes away dims the figures and the board says it is reconnecting since when", async () => {
  const server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "200" },
  });
  await using browser = await launchBrowser();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector("[data-status=live]", { timeout: 10_000 });
    await server.stop("SIGKILL");
    await page.waitForSelector("[data-testid=disconnected]", {
      timeout: 15_000,
    });
    assert.match(
      await page.textContent("[data-testid=disconnected]") ?? "",
      /^Reconnecting: the figures are the last ones received, at \d\d:\d\d\.$/,
    );
    assert.equal(
      await page.$eval(
        "main.board",
        (el) => el.classList.contains("disconnected"),
      ),
      true,
    );
    const opacity = await page.$eval(
      "[data-testid=net]",
      (el) => getComputedStyle(el).opacity,
    );
    assert.equal(opacity, "0.5", "the figures are dimmed");
  } finally {
    await context.close();
  }
});
