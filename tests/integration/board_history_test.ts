/**
 * History belongs to its board: a database the demo wrote, reused by a
 * real sources file, shows none of the demo (no points, no restored
 * figures), and the demo's history comes back with the demo.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";

async function history(url: string, query = "") {
  const res = await fetch(new URL(`/api/history?topic=pnl${query}`, url));
  assert.equal(res.status, 200);
  return (await res.json()) as { points: unknown[] };
}

async function snapshot(url: string) {
  return (await (await fetch(new URL("/api/snapshot", url))).json()).data;
}

Deno.test("a demo database reused by a real board shows none of the demo: no chart points, no restored figures; the demo's history comes back with the demo", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pulse-board-" });
  try {
    const db = `${dir}/pulse.db`;
    const demo = { PULSE_DB: db, PULSE_SIM_INTERVAL_MS: "100" };
    const first = await startServerProcess({ env: demo });
    let demoPoints: number;
    try {
      const end = Date.now() + 10_000;
      do {
        await new Promise((r) => setTimeout(r, 200));
        demoPoints = (await history(first.url)).points.length;
      } while (demoPoints < 2 && Date.now() < end);
      assert.ok(demoPoints >= 2, "the demo recorded its chart");
    } finally {
      await first.stop();
    }

    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "shop",
          kind: "webhook",
          role: "revenue",
          mode: "increment",
          secretEnv: "SHOP_SECRET",
        }],
      }),
    );
    const real = await startServerProcess({
      env: { PULSE_DB: db, PULSE_CONFIG: file, SHOP_SECRET: "whsec_shop" },
    });
    try {
      assert.ok(
        real.lines.some((l) => l.includes("another board's history set aside")),
      );
      const state = await snapshot(real.url);
      assert.deepEqual(
        Object.keys(state.sources).filter((id) => id.startsWith("sim-")),
        [],
        "no demo figure restored",
      );
      for (const period of ["", "&period=ytd"]) {
        const body = await history(real.url, period) as {
          points: { netMinor: number }[];
          previous: { netMinor: number } | null;
        };
        // Nothing was delivered to the shop: every point this board drew
        // is $0.00, none the demo's hundreds of millions.
        for (
          const p of [...body.points, ...(body.previous ? [body.previous] : [])]
        ) {
          assert.equal(p.netMinor, 0, `a demo point in ${period || "today"}`);
        }
      }
      const demoSource = await fetch(
        new URL("/api/history?topic=pnl&source=sim-revenue", real.url),
      );
      await demoSource.body?.cancel();
      assert.notEqual(demoSource.status, 200, "the demo's source is not here");
    } finally {
      await real.stop();
    }

    const back = await startServerProcess({ env: demo });
    try {
      assert.ok(
        (await history(back.url)).points.length >= demoPoints,
        "the demo's chart is back with the demo",
      );
    } finally {
      await back.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
