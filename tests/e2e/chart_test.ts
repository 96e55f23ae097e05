/**
 * The chart reads right: its x-axis is the chosen reporting period, from
 * its first instant to its last in the board's zone (not the data's own
 * extent), a hover shows the time and the value in the board's currency,
 * the axis labels are legible in dark mode, gaps show where nothing was
 * recorded, and a sentence summarises the window for screen readers.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { periodWindows } from "@/lib/protocol/mod.ts";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const MONEY = /^[+-]?\$[\d,]+\.\d\d$/;

Deno.test("in a browser, the chart spans the chosen period, reads out hovered values and is legible in dark mode", async () => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "200", PULSE_BATCH_MS: "20" },
  });
  await using browser = await launchBrowser();
  for (const colorScheme of ["dark", "light"] as const) {
    const context = await browser.newContext({
      colorScheme,
      viewport: { width: 1100, height: 800 },
    });
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForSelector("[data-testid=chart][data-to] canvas", {
        timeout: 10_000,
      });
      // Each period: the chart spans it from its first instant to now
      // (nothing past now), as the server counts it in the board's zone.
      const snapshot = await (await fetch(new URL("/api/snapshot", server.url)))
        .json();
      // The bounds a client derives from the state's zone and date.
      const periods = Object.fromEntries(
        Object.entries(periodWindows(snapshot.data, snapshot.ts)).map((
          [id, w],
        ) => [id, {
          from: new Date(w.from).toISOString(),
          to: new Date(w.to).toISOString(),
        }]),
      );
      for (
        const [label, id] of [["Week", "wtd"], ["Month", "mtd"], [
          "Year",
          "ytd",
        ], ["Today", "today"]] as const
      ) {
        await page.click(`.period:text-is("${label}")`);
        await page.waitForFunction(
          ({ from, to }) => {
            const el = document.querySelector<HTMLElement>(
              "[data-testid=chart]",
            )!;
            // From the period's start up to now, never past it.
            return el.dataset.from === from && el.dataset.end === to &&
              Date.parse(el.dataset.to!) <= Date.parse(to) &&
              Date.parse(el.dataset.to!) <= Date.now() + 60_000;
          },
          periods[id]!,
          { timeout: 10_000 },
        );
        assert.equal(
          await page.getAttribute(`.period[data-period=${id}]`, "aria-pressed"),
          "true",
        );
        assert.equal(
          new URL(page.url()).searchParams.get("period"),
          id === "today" ? null : id,
          "the period is kept in the URL",
        );
      }
      await page.waitForFunction(
        () => document.querySelector("[data-testid=chart] .u-over") !== null,
        undefined,
        { timeout: 10_000 },
      );
      await page.waitForTimeout(300); // the redraw after the history read
      // Axis labels drawn in the page's text colour: light on dark.
      const luminance = await page.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>(
          "[data-testid=chart] canvas",
        )!;
        const ctx = canvas.getContext("2d")!;
        const { data } = ctx.getImageData(
          0,
          0,
          80 * devicePixelRatio,
          canvas.height,
        );
        let max = 0;
        let min = 1;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! < 200) continue; // transparent: the page shows through
          const l = (0.2126 * data[i]! + 0.7152 * data[i + 1]! +
            0.0722 * data[i + 2]!) / 255;
          max = Math.max(max, l);
          min = Math.min(min, l);
        }
        return { max, min };
      });
      if (colorScheme === "dark") {
        assert.ok(
          luminance.max > 0.5,
          `dark: axis labels too dark (${luminance.max})`,
        );
      } else {
        assert.ok(
          luminance.min < 0.5,
          `light: axis labels too light (${luminance.min})`,
        );
      }
      // Hovering the middle of the plot reads out a money value.
      const box =
        (await page.locator("[data-testid=chart] .u-over").boundingBox())!;
      await page.mouse.move(box.x + box.width - 5, box.y + box.height / 2);
      const readout = await page.waitForFunction(
        () => {
          const values = [
            ...document.querySelectorAll(
              "[data-testid=chart] .u-legend .u-value",
            ),
          ]
            .map((el) => el.textContent ?? "");
          return values.length >= 2 && values[1] !== "" ? values : undefined;
        },
        undefined,
        { timeout: 5_000 },
      );
      const [time, value] = await readout.jsonValue() as string[];
      assert.ok(time && time.length > 5, `time readout ${time}`);
      assert.match(value!, MONEY);
      // Revenue can be drawn beside the net line, and hidden again.
      const revenue = page.locator("[data-part=revenueMinor]");
      assert.equal(await revenue.getAttribute("aria-pressed"), "false");
      await revenue.click();
      assert.equal(await revenue.getAttribute("aria-pressed"), "true");
      await page.waitForFunction(
        () => {
          const rows = document.querySelectorAll(
            "[data-testid=chart] .u-legend .u-series",
          );
          // Time, net, the three parts, and the previous period's line.
          return rows.length === 6 && !rows[2]!.classList.contains("u-off") &&
            rows[3]!.classList.contains("u-off");
        },
        undefined,
        { timeout: 5_000 },
      );
      await revenue.click();
      assert.equal(await revenue.getAttribute("aria-pressed"), "false");
      assert.match(
        await page.textContent("[data-testid=chart-summary]") ?? "",
        /^Net P&L in this window: from [+-]?\$[\d,.]+ to [+-]?\$[\d,.]+, low .+, high .+\.$/,
      );
    } finally {
      await context.close();
    }
  }
});

Deno.test("in a browser, a board whose flow keeps no ledger (a SQL query) charts what the server recorded: a gap where it was down, and a quiet window starts at the value it had", async () => {
  const { SqliteStore } = await import("@/lib/store/mod.ts");
  const { DatabaseSync } = await import("node:sqlite");
  const dir = await Deno.makeTempDir();
  try {
    const db = `${dir}/pulse.db`;
    // A flow read by a query: only its total now, no dated movements, so
    // its chart is what was recorded (the demo's is drawn from its ledger).
    const app = new DatabaseSync(`${dir}/app.db`);
    app.exec(
      "CREATE TABLE sales (cents INTEGER); INSERT INTO sales VALUES (12345)",
    );
    app.close();
    await Deno.writeTextFile(
      `${dir}/sources.json`,
      JSON.stringify({
        sources: [{
          id: "sales",
          kind: "sql",
          role: "revenue",
          database: "app.db",
          query: "SELECT SUM(cents) AS amount FROM sales",
          unit: "minor",
        }],
      }),
    );
    // An earlier run: a point a minute from 50 to 40 minutes ago, then
    // nothing until this start.
    {
      using store = SqliteStore.open(db);
      const now = Date.now();
      for (let m = 50; m >= 40; m--) {
        store.history.record("pnl", {
          at: now - m * 60_000,
          netMinor: 12_345,
          revenueMinor: 12_345,
          expensesMinor: 0,
          tradingMinor: 0,
        });
      }
    }
    await using server = await startServerProcess({
      env: { PULSE_DB: db, PULSE_CONFIG: `${dir}/sources.json` },
    });
    await using browser = await launchBrowser();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForSelector("[data-testid=chart][data-gaps] canvas", {
        timeout: 10_000,
      });
      assert.equal(
        await page.getAttribute("[data-testid=chart]", "data-gaps"),
        "1",
        "one gap: between the last run and this one",
      );
      assert.match(
        await page.textContent("[data-testid=chart-summary]") ?? "",
        /^Net P&L in this window: from \+\$123\.45 to /,
      );
    } finally {
      await context.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("in a browser, a New York board's chart reads in New York time from a UTC browser and from a Tokyo browser alike: the period starts at its midnight there", async () => {
  await using server = await startServerProcess({
    env: {
      PULSE_TIMEZONE: "America/New_York",
      PULSE_SIM_INTERVAL_MS: "600000",
    },
  });
  await using browser = await launchBrowser();
  const labels: string[] = [];
  for (const timezoneId of ["UTC", "Asia/Tokyo"]) {
    const context = await browser.newContext({
      timezoneId,
      locale: "en-US",
      viewport: { width: 1100, height: 800 },
    });
    try {
      const page = await context.newPage();
      // The first point drawn is the period's first instant.
      await hoverChart(page, server.url, 0);
      const label = await page.textContent(
        "[data-testid=chart] .u-legend .u-series:first-child .u-value",
      );
      labels.push(label ?? "");
    } finally {
      await context.close();
    }
  }
  assert.equal(labels[0], labels[1], "the same time from either zone");
  // The board's one date style (as beside the sources), not the
  // browser's US "12/7/26, 12:00:00 AM".
  assert.match(
    labels[0]!,
    /^\d{1,2} [A-Z][a-z]{2} \d{4}, 00:00$/,
    "midnight in New York",
  );
});

Deno.test("in a browser, the previous period is drawn dotted beside this one, and hovering reads both values and the difference", async () => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "600000" },
  });
  await using browser = await launchBrowser();
  const context = await browser.newContext({
    locale: "en-US",
    viewport: { width: 1100, height: 800 },
  });
  try {
    const page = await context.newPage();
    // A third of the way in: both lines have a value there.
    await hoverChart(page, server.url, 1 / 3);
    const legend = "[data-testid=chart] .u-legend .u-series";
    assert.deepEqual(
      await page.$$eval(
        legend,
        (rows) => rows.map((r) => r.querySelector(".u-label")?.textContent),
      ),
      [
        "Time",
        "Net P&L",
        "Revenue",
        "Expenses",
        "Trading",
        "Yesterday at this time",
      ],
    );
    const values = await page.$$eval(
      legend,
      (rows) => rows.map((r) => r.querySelector(".u-value")?.textContent ?? ""),
    );
    assert.match(values[1]!, /^[+−-]?\$[\d,]+\.\d\d$/, "this period's net");
    assert.match(
      values[5]!,
      /^[+−-]?\$[\d,]+\.\d\d \([+−-]?\$[\d,]+\.\d\d now\)$/,
      "yesterday's, and the difference",
    );
  } finally {
    await context.close();
  }
});

/**
 * Opens the board, waits for the chart drawn from its history, and hovers
 * `fraction` of the way across it (0: its first point).
 */
async function hoverChart(
  page: Page,
  url: string,
  fraction: number,
): Promise<void> {
  await page.goto(url);
  await page.waitForSelector("[data-testid=chart] .u-over", {
    timeout: 10_000,
  });
  await page.waitForTimeout(300); // the redraw after the history read
  const box = (await page.locator("[data-testid=chart] .u-over")
    .boundingBox())!;
  await page.mouse.move(
    box.x + Math.max(1, box.width * fraction),
    box.y + box.height / 2,
  );
}
