import assert from "node:assert/strict";
import { SqliteStore } from "@/lib/store/mod.ts";
import { seededRandom } from "@/lib/time/mod.ts";

const point = (at: number, net: number) => ({
  at,
  netMinor: net,
  revenueMinor: Math.max(0, net),
  expensesMinor: 0,
  tradingMinor: Math.min(0, net),
});

Deno.test("history returns raw points oldest first when they fit the limit", () => {
  using store = SqliteStore.open(":memory:");
  for (let i = 5; i >= 1; i--) store.history.record("pnl", point(i * 1000, i));
  const { points, downsampled } = store.history.query("pnl", 2000, 4000, 10);
  assert.equal(downsampled, false);
  assert.deepEqual(points.map((p) => p.netMinor), [2, 3, 4]);
});

Deno.test("history downsampling keeps every bucket's minimum and maximum, so spikes survive", () => {
  using store = SqliteStore.open(":memory:");
  const random = seededRandom(5);
  const spikes = new Map([[3_137, 900_000], [7_771, -900_000]]);
  for (let i = 0; i < 10_000; i++) {
    store.history.record(
      "pnl",
      point(i * 1000, spikes.get(i) ?? Math.round(random() * 1000)),
    );
  }
  const { points, downsampled } = store.history.query("pnl", 0, 9_999_000, 300);
  assert.equal(downsampled, true);
  assert.ok(
    points.length <= 300 && points.length >= 200,
    String(points.length),
  );
  const nets = points.map((p) => p.netMinor);
  assert.ok(
    nets.includes(900_000) && nets.includes(-900_000),
    "both spikes kept",
  );
  assert.ok(
    points.every((p, i) => i === 0 || points[i - 1]!.at < p.at),
    "strictly in time order",
  );
  assert.equal(points.at(-1)?.at, 9_999_000, "the last point is kept");
});

Deno.test("history retention thins points past the raw window to one a minute and drops them past the keep window", () => {
  using store = SqliteStore.open(":memory:", {
    rawMs: 3_600_000,
    keepMs: 7_200_000,
  });
  const now = 10_000_000;
  for (let at = now - 9_000_000; at <= now; at += 10_000) {
    store.history.record("pnl", point(at, 1));
  }
  store.history.prune("pnl", now);
  const all = store.history.query("pnl", 0, now, 5000).points;
  assert.ok(
    all.every((p) => p.at >= now - 7_200_000),
    "nothing past the keep window",
  );
  const old = all.filter((p) => p.at < now - 3_600_000);
  const minutes = new Set(old.map((p) => Math.floor(p.at / 60_000)));
  assert.equal(
    old.length,
    minutes.size,
    "one point a minute past the raw window",
  );
  assert.equal(
    all.filter((p) => p.at >= now - 3_600_000).length,
    361,
    "raw points kept",
  );
});

Deno.test("history over 90 days is answered from the rollups with the raw extremes: spikes, the last point, time order", () => {
  using store = SqliteStore.open(":memory:");
  const random = seededRandom(9);
  const minute = 60_000;
  const days = 90;
  const spikes = new Map([[12_345, 5_000_000], [98_765, -5_000_000]]);
  for (let i = 0; i < days * 1440; i++) {
    store.history.record(
      "pnl",
      point(i * minute, spikes.get(i) ?? Math.round(random() * 10_000)),
    );
  }
  const to = (days * 1440 - 1) * minute;
  const { points, downsampled } = store.history.query("pnl", 0, to, 300);
  assert.equal(downsampled, true);
  assert.ok(
    points.length <= 300 && points.length >= 150,
    String(points.length),
  );
  const nets = points.map((p) => p.netMinor);
  assert.ok(
    nets.includes(5_000_000) && nets.includes(-5_000_000),
    "spikes kept",
  );
  assert.equal(points.at(-1)?.at, to, "the last point is kept");
  assert.ok(points.every((p, i) => i === 0 || points[i - 1]!.at < p.at));
  // Every point returned is a real point, with its own totals.
  const spike = points.find((p) => p.netMinor === -5_000_000)!;
  assert.equal(spike.at, 98_765 * minute);
  assert.equal(spike.tradingMinor, -5_000_000);
});

Deno.test("history of a database written before rollups existed is backfilled once at open", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pulse.db`;
    {
      using store = SqliteStore.open(path);
      for (let i = 0; i < 5_000; i++) {
        store.history.record("pnl", point(i * 60_000, i === 4_321 ? -777 : 5));
      }
    }
    // As an older Pulseboard left it: points, and no rollups.
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    db.exec("DELETE FROM history_rollup");
    db.close();
    using store = SqliteStore.open(path);
    const { points } = store.history.query("pnl", 0, 4_999 * 60_000, 30);
    assert.ok(points.some((p) => p.netMinor === -777), "from the backfill");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the history reader answers from a worker over the database file, exactly as the store would", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pulse.db`;
    using store = SqliteStore.open(path);
    const random = seededRandom(3);
    for (let i = 0; i < 3_000; i++) {
      store.history.record("pnl", point(i * 1000, Math.round(random() * 100)));
    }
    const { openHistoryReader } = await import("@/lib/store/mod.ts");
    const reader = await openHistoryReader(path, store.history);
    try {
      for (
        const [from, to, limit] of [[0, 2_999_000, 100], [5_000, 9_000, 50]]
      ) {
        assert.deepEqual(
          await reader.query("pnl", from!, to!, limit!),
          store.history.query("pnl", from!, to!, limit!),
        );
      }
    } finally {
      reader.close();
    }
    await assert.rejects(reader.query("pnl", 0, 1, 1), /closed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
