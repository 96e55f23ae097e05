/**
 * A full chart on the first day: on a fresh database a period's history is
 * drawn from the sources' own ledgers (the simulator's two years, a
 * Stripe account's transactions), from the period's first instant, as soon
 * as the sources are read, and it ends on the figure the board shows.
 */
import assert from "node:assert/strict";
import { netOf, periodWindows } from "@/lib/protocol/mod.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { startUpstreams } from "../_helpers/upstreams/mod.ts";

type Point = {
  at: string;
  revenueMinor: number;
  netMinor: number;
  previousNetMinor?: number;
};

async function json(url: string, path: string) {
  const res = await fetch(new URL(path, url));
  assert.equal(res.status, 200, path);
  return await res.json();
}

/** The snapshot once every source has been read. */
async function readSnapshot(url: string) {
  const end = Date.now() + 15_000;
  for (;;) {
    const s = await json(url, "/api/snapshot?topic=pnl");
    const sources = Object.values(s.data.sources) as { status: string }[];
    if (sources.length && sources.every((x) => x.status === "ok")) return s;
    if (Date.now() > end) throw new Error(`not read: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("first day: the Year chart of the demo is drawn from 1 January on a fresh database, within seconds of the start, and ends on the board's figure", async () => {
  // No step after the first read: the chart and the board stand still.
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "600000" },
  });
  const snapshot = await readSnapshot(server.url);
  const year = periodWindows(snapshot.data, snapshot.ts).ytd;
  const body = await json(server.url, "/api/history?topic=pnl&period=ytd");
  const points = body.points as Point[];
  assert.ok(points.length >= 100, `${points.length} points`);
  assert.equal(points[0]!.at, new Date(year.from).toISOString());
  assert.equal(
    points.at(-1)!.revenueMinor,
    snapshot.data.periods.ytd.revenueMinor,
  );
  // The months in between are there, not one vertical line at today.
  // The year's first minute holds its first sales, nothing from before.
  const middle = points[Math.floor(points.length / 2)]!;
  assert.ok(points[0]!.revenueMinor < middle.revenueMinor / 100);
  assert.ok(middle.revenueMinor < points.at(-1)!.revenueMinor);
  // Last year beside it, as far in: it ends on the board's comparison
  // (within the second between the read and this request).
  const lastYear = netOf(snapshot.data.periods.ytd.previous);
  const drawn = points.at(-1)!.previousNetMinor!;
  assert.ok(
    Math.abs(drawn - lastYear) <= Math.abs(lastYear) / 100,
    `last year's line ends at ${drawn}, the board compares with ${lastYear}`,
  );
  assert.ok(points.every((p) => typeof p.previousNetMinor === "number"));
  // Each source's sparkline too, from today's start.
  const sales = await json(
    server.url,
    "/api/history?topic=pnl&source=sim-revenue",
  );
  assert.equal(
    sales.points[0].at,
    new Date(periodWindows(snapshot.data, snapshot.ts).today.from)
      .toISOString(),
  );
  assert.equal(
    sales.points.at(-1).amountMinor,
    snapshot.data.periods.today.sources["sim-revenue"].amountMinor,
  );
});

Deno.test("first day: a Stripe account's months of transactions draw the Year chart from 1 January once its first read is done, ending on the year's revenue", async () => {
  await using upstreams = await startUpstreams();
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const all = upstreams.sourcesFile({ intervalMs: 60_000 }) as {
      sources: { id: string }[];
    };
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        ...all,
        sources: all.sources.filter((s) => s.id === "stripe"),
      }),
    );
    await using server = await startServerProcess({
      env: { ...upstreams.env, PULSE_CONFIG: file },
    });
    const snapshot = await readSnapshot(server.url);
    const year = periodWindows(snapshot.data, snapshot.ts).ytd;
    const body = await json(server.url, "/api/history?topic=pnl&period=ytd");
    const points = body.points as Point[];
    assert.equal(points[0]!.at, new Date(year.from).toISOString());
    assert.equal(
      points.at(-1)!.revenueMinor,
      snapshot.data.periods.ytd.revenueMinor,
    );
    const distinct = new Set(points.map((p) => p.revenueMinor));
    assert.ok(distinct.size >= 3, "the year's transactions step the line");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("first day: the month, quarter and year are projected from the period so far and the previous period's shape, and a day or a week is refused", async () => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "600000" },
  });
  const snapshot = await readSnapshot(server.url);
  for (const period of ["mtd", "qtd", "ytd"] as const) {
    const p = await json(server.url, `/api/projection?period=${period}`);
    const windows = periodWindows(snapshot.data, snapshot.ts);
    assert.equal(p.projection, true);
    assert.equal(p.end, new Date(windows[period].to).toISOString());
    // The demo has two years behind it: last period's shape is the base.
    assert.equal(p.revenue.method, "previous_shape");
    assert.equal(
      p.revenue.soFarMinor,
      snapshot.data.periods[period].revenueMinor,
    );
    assert.ok(p.revenue.projectedMinor >= p.revenue.soFarMinor, period);
    assert.equal(
      p.netMinor,
      p.revenue.projectedMinor - p.expenses.projectedMinor +
        p.trading.projectedMinor,
    );
  }
  for (const period of ["today", "wtd", "decade"]) {
    const res = await fetch(
      new URL(`/api/projection?period=${period}`, server.url),
    );
    assert.equal(res.status, 400);
    assert.match(
      (await res.json()).error.message,
      /period must be one of mtd, qtd, ytd/,
    );
  }
});
