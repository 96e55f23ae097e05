/**
 * A phone at 390 px with real content: the default demo (nine-figure
 * year-to-date amounts) and a board whose sources have the long names
 * real companies give them. No text in a source row overlaps another or
 * leaves the screen, and a tap on a name opens that source.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { launchBrowser } from "../_helpers/browser.ts";
import { ROOT, startServerProcess } from "../_helpers/server_process.ts";

const LONG_LABELS = [
  ["revenue", "Stripe revenue: Acme Holdings Europe B.V. (EUR settlement)"],
  ["expense", "Anthropic API costs, production workspace (Claude Sonnet)"],
  ["trading", "Kalshi event contracts: macro and weather desk, realized"],
] as const;

/** Every overlap or overflow among the parts of each source row. */
function problems(page: Page, width: number): Promise<string[]> {
  return page.evaluate((width) => {
    const out: string[] = [];
    for (const row of document.querySelectorAll<HTMLElement>("[data-source]")) {
      const id = row.dataset.source;
      const parts = [
        ".source-name",
        ".source-role",
        ".source-amount",
        ".source-status",
        ".source-age",
      ].map((s) => [s, row.querySelector<HTMLElement>(s)] as const)
        .filter(([, el]) => el !== null && el.textContent !== "");
      const boxes = parts.map(([s, el]) => {
        const r = el!.getBoundingClientRect();
        if (r.left < -0.5 || r.right > width + 0.5) {
          out.push(`${id} ${s} leaves the screen (${r.left}-${r.right})`);
        }
        if (el!.scrollWidth > el!.clientWidth + 1) {
          out.push(
            `${id} ${s} is cut (${el!.scrollWidth} > ${el!.clientWidth})`,
          );
        }
        return [s, r] as const;
      });
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [an, a] = boxes[i]!;
          const [bn, b] = boxes[j]!;
          const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5 ||
            a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
          if (!apart) out.push(`${id}: ${an} overlaps ${bn}`);
        }
      }
    }
    return out;
  }, width);
}

Deno.test("on a 390 px phone, source rows with nine-figure amounts and long real names never overlap or leave the screen, and a tap on a name opens it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        title: "Acme Holdings: group P&L (all entities, consolidated)",
        sources: [
          ...LONG_LABELS.map(([role, label], i) => ({
            id: `s${i}`,
            label,
            kind: "simulator",
            role,
            ...(role === "expense" ? { figure: "costs" } : {}),
            ...(role === "trading" ? { figure: "trading" } : {}),
            intervalMs: 500,
          })),
          {
            id: "bank",
            label: "Operating cash: First Republic checking ••••4821 (USD)",
            kind: "simulator",
            role: "trading",
            figure: "balance",
            intervalMs: 500,
          },
        ],
      }),
    );
    await using demo = await startServerProcess({});
    await using long = await startServerProcess({
      env: { PULSE_CONFIG: file },
    });
    await using browser = await launchBrowser();
    for (const colorScheme of ["light", "dark"] as const) {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        colorScheme,
        hasTouch: true,
      });
      try {
        const page = await context.newPage();
        for (const server of [demo, long]) {
          for (const period of ["today", "ytd"]) {
            await page.goto(new URL(`/?period=${period}`, server.url).href);
            await page.waitForSelector("[data-status=live]", {
              timeout: 10_000,
            });
            await page.waitForFunction(() =>
              [...document.querySelectorAll(".source-amount")].every((el) =>
                el.textContent !== "—"
              )
            );
            assert.deepEqual(
              await problems(page, 390),
              [],
              `${
                server === demo ? "demo" : "long labels"
              } ${period} ${colorScheme}`,
            );
            if (
              server === long && period === "ytd" && colorScheme === "light"
            ) {
              await Deno.mkdir(`${ROOT}test-results`, { recursive: true });
              await page.locator("section.sources").screenshot({
                path: `${ROOT}test-results/dashboard-phone-sources.png`,
              });
            }
            const scroll = await page.evaluate(() =>
              document.documentElement.scrollWidth
            );
            assert.ok(scroll <= 390, `page ${scroll} px wide`);
          }
        }
        // A tap in the middle of a long name lands on it.
        const name = page.locator("[data-source=s0] button.source-name");
        await name.scrollIntoViewIfNeeded();
        const box = (await name.boundingBox())!;
        await page.touchscreen.tap(
          box.x + box.width / 2,
          box.y + box.height / 2,
        );
        assert.equal(await name.getAttribute("aria-expanded"), "true");
      } finally {
        await context.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
