/**
 * Colours a finance team can read: every figure, comparison, status and
 * note on the board (an incomplete total, a good and a bad change, a
 * failing source) at WCAG AA contrast against what is behind it, in both
 * colour schemes, and the wall screen's status line too.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../_helpers/browser.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { longNameBoard, writeBoard } from "../_helpers/boards.ts";

/** Each matching element's text contrast against its effective background. */
const CONTRASTS = (selectors: string[]) => {
  const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]: number[]) => {
    const ch = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * ch(r!) + 0.7152 * ch(g!) + 0.0722 * ch(b!);
  };
  const background = (el: Element | null): number[] => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c[3] ?? 1) > 0.5) return c;
    }
    return parse(getComputedStyle(document.body).backgroundColor);
  };
  const out: { selector: string; text: string; ratio: number }[] = [];
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      if (!(el as HTMLElement).offsetParent || !el.textContent?.trim()) {
        continue;
      }
      // A faded element blends into what is behind it: count its opacity.
      let opacity = 1;
      for (let e: Element | null = el; e; e = e.parentElement) {
        opacity *= Number(getComputedStyle(e).opacity);
      }
      const back = background(el);
      const text = parse(getComputedStyle(el).color);
      const alpha = (text[3] ?? 1) * opacity;
      const seen = [0, 1, 2].map((i) =>
        text[i]! * alpha + back[i]! * (1 - alpha)
      );
      const fg = lum(seen);
      const bg = lum(back);
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      out.push({ selector, text: el.textContent.trim().slice(0, 40), ratio });
    }
  }
  return out;
};

Deno.test("in a browser, every figure, comparison and status reads at WCAG AA contrast in both colour schemes, an incomplete total included", async () => {
  // Long names beside a source that never answers: totals incomplete.
  await using board = await writeBoard(longNameBoard());
  {
    await using server = await startServerProcess({
      env: { PULSE_CONFIG: board.file },
    });
    await using browser = await launchBrowser();
    for (const colorScheme of ["light", "dark"] as const) {
      for (const path of ["/", "/?kiosk"]) {
        const context = await browser.newContext({
          viewport: { width: 1280, height: 800 },
          colorScheme,
        });
        try {
          const page = await context.newPage();
          await page.goto(new URL(path, server.url).href);
          await page.waitForSelector("[data-status=live]", { timeout: 10_000 });
          await page.waitForSelector("[data-incomplete=true]", {
            timeout: 10_000,
          });
          const found = await page.evaluate(CONTRASTS, [
            "[data-testid=net]",
            ".figure p",
            ".figure h3",
            ".net-context",
            ".net-context span",
            ".source-name",
            ".source-amount",
            ".source-status",
            ".source-role",
            ".source-error-text",
            ".incomplete-banner",
            ".status-line",
            ".board-foot",
          ]);
          assert.ok(found.length >= 10, `${found.length} texts checked`);
          assert.ok(
            found.some((f) => f.selector === ".figure p" && /\$/.test(f.text)),
          );
          const low = found.filter((f) => f.ratio < 4.5);
          assert.deepEqual(low, [], `${colorScheme} ${path}: below 4.5:1`);
        } finally {
          await context.close();
        }
      }
    }
  }
});
