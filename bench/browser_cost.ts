// deno-lint-ignore-file no-console -- a command-line benchmark: the terminal is its interface
/**
 * `deno task bench:browser`: what the board costs the browser that shows
 * it all day. A real server whose simulator changes something 10 times a
 * second; one headless Chromium page on the board; Chrome's own counters
 * (CDP `Performance.getMetrics`) read before and after a window: the
 * share of a core spent in tasks, script and layout, and the JS heap
 * before and after. Prints one Markdown table (docs/benchmarks.md holds a
 * real run's).
 *
 * Usage: deno task bench:browser [--seconds 10] [--rate 10] [--soak 0]
 *   --soak N: also read the JS heap after N more minutes, for growth.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { launchBrowser } from "../tests/_helpers/browser.ts";
import { startServerProcess } from "../tests/_helpers/server_process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "10" },
    soak: { type: "string", default: "0" },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const soakMinutes = Number(values.soak);

await using server = await startServerProcess({
  env: { PULSE_SIM_INTERVAL_MS: String(Math.round(1000 / rate)) },
});
await using browser = await launchBrowser();
const context = await browser.newContext({
  viewport: { width: 1280, height: 800 },
});
const page = await context.newPage();
await page.goto(server.url);
await page.waitForSelector("[data-status=live]", { timeout: 15_000 });
const cdp = await context.newCDPSession(page);
await cdp.send("Performance.enable");
const metrics = async () => {
  const { metrics } = await cdp.send("Performance.getMetrics") as {
    metrics: { name: string; value: number }[];
  };
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
};
const seq = async () =>
  Number(await page.getAttribute("[data-seq]", "data-seq"));
// Settle: the first seconds include hydration and the chart's first draw.
await new Promise((r) => setTimeout(r, 3_000));
const before = await metrics();
const seqBefore = await seq();
await new Promise((r) => setTimeout(r, seconds * 1000));
const after = await metrics();
const updates = (await seq()) - seqBefore;
const share = (key: string) =>
  ((after[key]! - before[key]!) / seconds * 100).toFixed(1);
let soak = "";
if (soakMinutes > 0) {
  await new Promise((r) => setTimeout(r, soakMinutes * 60_000));
  const later = await metrics();
  soak = ` | ${
    (later.JSHeapUsedSize! / 1024 / 1024).toFixed(1)
  } MiB after ${soakMinutes} min`;
}
console.log(
  `\nBrowser cost: the board in headless Chromium, ${rate} updates/s asked, ${seconds} s window\n`,
);
console.log(
  `| updates/s seen | tasks, % of a core | script | layout | style | JS heap${
    soakMinutes > 0 ? " | JS heap later" : ""
  } |`,
);
console.log(
  `| --- | --- | --- | --- | --- | ---${soakMinutes > 0 ? " | ---" : ""} |`,
);
console.log(
  `| ${(updates / seconds).toFixed(1)} | ${share("TaskDuration")} | ${
    share("ScriptDuration")
  } | ${share("LayoutDuration")} | ${share("RecalcStyleDuration")} | ${
    (after.JSHeapUsedSize! / 1024 / 1024).toFixed(1)
  } MiB${soak} |`,
);
await context.close();
