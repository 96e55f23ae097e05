// deno-lint-ignore-file no-console -- a command-line benchmark: the terminal is its interface
/**
 * `deno task bench:publisher`: the CPU one new state costs before any
 * client sees it, in-process and part by part, on a board of 10 flows
 * (Stripe-like, each with all five periods) where one source changes per
 * state: building the state, the hub's merge patch and serialization
 * (publish), and saving it (the recorder), each timed on the loop (which
 * includes waiting for the disk), and the process's CPU over the run.
 * Prints a Markdown table; the target is 0.5 ms of CPU per state.
 *
 * Usage: deno task bench:publisher [--states 3000] [--json]
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import {
  buildPnlState,
  PnlRecorder,
  type SourceReport,
} from "@/lib/aggregate/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import type { Reading } from "@/lib/sources/mod.ts";
import { Hub } from "@/lib/stream/mod.ts";
import { FakeClock, PERIOD_NAMES, ReportingCalendar } from "@/lib/time/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    states: { type: "string", default: "3000" },
    json: { type: "boolean", default: false },
  },
});
const STATES = Number(values.states);
const SOURCES = 10;
const roles = ["revenue", "expense", "trading"] as const;

const clock = new FakeClock({ start: Date.parse("2026-12-07T15:00:00Z") });
const calendar = new ReportingCalendar({ timeZone: "America/New_York" });
const dir = await Deno.makeTempDir({ prefix: "pulse-bench-" });
using store = SqliteStore.open(`${dir}/bench.db`);
const recorder = new PnlRecorder(store, { clock });

/** A flow's reading at step `k`: every period moves by the same step. */
function reading(i: number, k: number): Reading {
  const role = roles[i % 3]!;
  const base = 100_000 + i * 1_234 + k * 17;
  const periods = Object.fromEntries(
    PERIOD_NAMES.map((name, p) => [name, {
      amountMinor: base * 10 ** p,
      previousMinor: 90_000 * 10 ** p,
    }]),
  ) as Reading["periods"];
  const asOf = new Date(clock.now()).toISOString();
  return {
    source: `source-${i}`,
    role,
    amountMinor: base,
    currency: "USD",
    asOf,
    periods,
    periodsAt: asOf,
  };
}

const reports: Record<string, SourceReport> = {};
for (let i = 0; i < SOURCES; i++) {
  reports[`source-${i}`] = {
    kind: "stripe",
    role: roles[i % 3]!,
    status: "ok",
    origin: "live",
    label: `Source number ${i}`,
    everyMs: 30_000,
    reading: reading(i, 0),
  };
}
const initial = buildPnlState(reports, "USD", { calendar, at: clock.now() });
const hub = new Hub({ clock, topics: { pnl: initial }, batchMs: 0 });
let published = 0;
hub.subscribe("pnl", {}, {
  start: () => {},
  live: () => published++,
});

const cpuStart = cpuUsage();
const wallStart = performance.now();
let buildMs = 0;
let publishMs = 0;
let saveMs = 0;
for (let k = 1; k <= STATES; k++) {
  // The recorder's trailing history point fires in here: saving's share.
  let t = performance.now();
  await clock.advance(100);
  saveMs += performance.now() - t;
  const i = k % SOURCES;
  reports[`source-${i}`] = {
    ...reports[`source-${i}`]!,
    reading: reading(i, k),
  };
  t = performance.now();
  const state = buildPnlState(reports, "USD", { calendar, at: clock.now() });
  buildMs += performance.now() - t;
  t = performance.now();
  hub.publish("pnl", state);
  hub.flush();
  publishMs += performance.now() - t;
  t = performance.now();
  recorder.record(state, k, hub.epoch);
  saveMs += performance.now() - t;
}
const cpu = cpuUsage(cpuStart);
const wallMs = performance.now() - wallStart;
recorder.close();
hub.close();
await Deno.remove(dir, { recursive: true });

const per = (ms: number) => Math.round(ms / STATES * 1000) / 1000;
const result = {
  states: STATES,
  published,
  buildMs: per(buildMs),
  publishMs: per(publishMs),
  saveMs: per(saveMs),
  totalMs: per(buildMs + publishMs + saveMs),
  /** Process CPU (user + system) over the whole loop, per state. */
  cpuMs: per((cpu.user + cpu.system) / 1000),
  wallMs: per(wallMs),
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(
    `## Publisher: CPU per state, ${SOURCES} flows, five periods, one changes\n`,
  );
  console.log("| part | ms per state |");
  console.log("| --- | --- |");
  console.log(`| build the state (periods, sources) | ${result.buildMs} |`);
  console.log(
    `| publish (merge patch, serialize once) | ${result.publishMs} |`,
  );
  console.log(`| save (last state, history points) | ${result.saveMs} |`);
  console.log(`| total, wall time on the loop | ${result.totalMs} |`);
  console.log(`| **process CPU** (target 0.5) | **${result.cpuMs}** |`);
}
