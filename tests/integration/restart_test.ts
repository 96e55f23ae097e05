import assert from "node:assert/strict";
import type { SnapshotEnvelope } from "@/lib/protocol/mod.ts";
import type { PnlState } from "@/lib/aggregate/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { openRecordingSocket } from "../_helpers/ws_client.ts";

async function snapshot(
  base: string,
): Promise<SnapshotEnvelope & { data: PnlState }> {
  const res = await fetch(new URL("/api/snapshot?topic=pnl", base));
  assert.equal(res.status, 200);
  return await res.json();
}

async function until<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("after SIGKILL, a restart on the same PULSE_DB shows the last figures at once, marked stale until fresh data arrives", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pulseboard-restart-" });
  try {
    const db = `${dir}/nested/pulseboard.db`; // the folder is created on demand
    const env = {
      PULSE_DB: db,
      PULSE_SIM_INTERVAL_MS: "60",
      PULSE_BATCH_MS: "10",
    };
    const first = await startServerProcess({ env });
    const before = await until(() => snapshot(first.url), (s) => s.seq >= 5);
    assert.equal(before.data.stale, false);
    // Every published state is saved as it is published; SIGKILL gives no
    // chance to save anything more, so what is on disk is the latest state.
    assert.equal(await first.stop("SIGKILL"), 137);

    // A long batch window holds the first fresh tick back, so the restored
    // state is what the first requests see.
    const second = await startServerProcess({
      env: { ...env, PULSE_SIM_INTERVAL_MS: "600000", PULSE_BATCH_MS: "1500" },
    });
    try {
      const restored = await snapshot(second.url);
      assert.equal(restored.data.stale, true);
      assert.ok(
        restored.data.periods.today.netMinor !== 0 ||
          before.data.periods.today.netMinor === 0,
      );
      assert.ok(restored.seq >= 1);
      assert.notEqual(
        restored.epoch,
        before.epoch,
        "a restart without Redis starts a new epoch",
      );
      for (const source of Object.values(restored.data.sources)) {
        assert.equal(source.status, "stale");
        assert.equal(source.origin, "L3");
      }
      // The figures at kill time are at least those of the snapshot read
      // before it (costs only grow), and the restored totals add up.
      const t = restored.data.periods.today;
      assert.equal(
        t.netMinor,
        t.revenueMinor + t.tradingMinor - t.expensesMinor,
      );
      assert.ok(t.expensesMinor >= before.data.periods.today.expensesMinor);

      const page = await (await fetch(second.url)).text();
      assert.match(page, /class="stale-banner"/);

      const fresh = await until(
        () => snapshot(second.url),
        (s) => s.data.stale === false,
      );
      const figures = (p: typeof t) => ({
        revenueMinor: p.revenueMinor,
        expensesMinor: p.expensesMinor,
        tradingMinor: p.tradingMinor,
        netMinor: p.netMinor,
      });
      assert.deepEqual(
        figures(fresh.data.periods.today),
        figures(restored.data.periods.today),
        "the simulator resumes from the restored figures",
      );
      assert.equal(fresh.data.sources["sim-revenue"]?.origin, "live");
    } finally {
      await second.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGTERM shuts down cleanly: clients told 1001 going away, exit code 0, the last state saved", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pulseboard-term-" });
  try {
    const env = {
      PULSE_DB: `${dir}/p.db`,
      PULSE_SIM_INTERVAL_MS: "40",
      PULSE_BATCH_MS: "10",
    };
    const server = await startServerProcess({ env });
    const seen = await until(() => snapshot(server.url), (s) => s.seq >= 3);
    const ws = await openRecordingSocket(
      server.url.replace("http:", "ws:") + "api/ws?topic=pnl",
    );
    await ws.waitFor((ms) => ms.length > 0);
    assert.equal(await server.stop("SIGTERM"), 0);
    const closed = await ws.closed;
    assert.equal(closed.code, 1001);
    assert.equal(closed.reason, "server shutting down");
    assert.ok(server.lines.some((l) => l.includes('"msg":"stopped"')));
    using store = SqliteStore.open(env.PULSE_DB);
    const saved = store.loadSnapshot("pnl");
    assert.equal(saved?.epoch, seen.epoch);
    assert.ok(
      saved.seq >= seen.seq,
      "the state saved at shutdown is at least as new as any served",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
