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
      await page.waitForSelector("[data-transport=sse][data-status=live]", {
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
        "[data-transport=poll][data-status=live]",
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
    ["dashboard-1280-dark.png", {
      viewport: { width: 1280, height: 800 },
      colorScheme: "dark",
    }],
    ["dashboard-1920.png", {
      viewport: { width: 1920, height: 1080 },
      colorScheme: "light",
    }],
    ["dashboard-1920-dark.png", {
      viewport: { width: 1920, height: 1080 },
      colorScheme: "dark",
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
    // What the picture must show: the net figure, the three figures and
    // the sources, each on screen, none overlapping, nothing wider than
    // the viewport, and the page in the colour scheme asked for.
    const width = options!.viewport!.width;
    const look = await page.evaluate(() => {
      const box = (selector: string) => {
        const el = document.querySelector(selector);
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return { x: r.x, y: r.y, w: r.width, h: r.height };
      };
      const luminance = (el: Element) => {
        const m = getComputedStyle(el).backgroundColor.match(/\d+(\.\d+)?/g);
        const [r, g, b] = (m ?? ["0", "0", "0"]).map(Number);
        return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
      };
      const ranges = [...document.querySelectorAll(".range")].map((el) =>
        el.getBoundingClientRect().y
      );
      return {
        scrollWidth: document.documentElement.scrollWidth,
        boardWidth: document.querySelector("main.board")!
          .getBoundingClientRect().width,
        netWidth: document.querySelector("[data-testid=net]")!
          .getBoundingClientRect().width,
        rangeRows: new Set(ranges.map((y) => Math.round(y))).size,
        background: luminance(document.body),
        boxes: {
          net: box("[data-testid=net]"),
          revenue: box("[data-testid=revenue]"),
          expenses: box("[data-testid=expenses]"),
          trading: box("[data-testid=trading]"),
          source: box("[data-source]"),
        },
      };
    });
    assert.ok(look.scrollWidth <= width, `${file}: page wider than ${width}`);
    assert.equal(look.rangeRows, 1, `${file}: the range buttons wrap`);
    if (width >= 1900) {
      // A wall screen: the board fills most of it and the net figure is big.
      assert.ok(look.boardWidth >= width * 0.8, `${file}: a narrow column`);
      assert.ok(
        look.netWidth >= width * 0.3,
        `${file}: net ${look.netWidth}px wide`,
      );
    }
    const boxes = Object.entries(look.boxes);
    for (const [name, b] of boxes) {
      assert.ok(b && b.w > 0 && b.h > 0, `${file}: ${name} is not shown`);
      assert.ok(
        b.x >= 0 && b.x + b.w <= width + 0.5,
        `${file}: ${name} off screen`,
      );
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [an, a] = boxes[i]!;
        const [bn, b] = boxes[j]!;
        const apart = a!.x + a!.w <= b!.x + 0.5 || b!.x + b!.w <= a!.x + 0.5 ||
          a!.y + a!.h <= b!.y + 0.5 || b!.y + b!.h <= a!.y + 0.5;
        assert.ok(apart, `${file}: ${an} overlaps ${bn}`);
      }
    }
    if (options!.colorScheme === "dark") {
      assert.ok(look.background < 0.3, `${file}: background not dark`);
    } else {
      assert.ok(look.background > 0.7, `${file}: background not light`);
    }
    await context.close();
  }
});
