import assert from "node:assert/strict";
import {
  buildPnlState,
  PnlRecorder,
  sourceHistoryKey,
} from "@/lib/aggregate/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

const AT = "2026-11-28T13:00:00.000Z";

function state(amountMinor: number) {
  return buildPnlState({
    shop: {
      kind: "stripe",
      role: "revenue",
      status: "ok",
      origin: "live",
      reading: {
        source: "shop",
        role: "revenue",
        amountMinor,
        currency: "USD",
        asOf: AT,
      },
    },
  }, "USD");
}

Deno.test("PnlRecorder saves every state but makes at most one history point a second, the last of a burst when the second is up", async () => {
  const clock = new FakeClock({ start: Date.parse(AT) });
  using store = SqliteStore.open(":memory:");
  using recorder = new PnlRecorder(store, { clock });
  const points = () =>
    store.history.query("pnl", 0, clock.now() + 1, 1000).points;
  recorder.record(state(100), 1, "abcd");
  await clock.advance(400);
  recorder.record(state(200), 2, "abcd"); // under a second: saved, no point
  await clock.advance(400);
  recorder.record(state(300), 3, "abcd");
  assert.equal(store.loadSnapshot("pnl")?.seq, 3);
  assert.equal(points().length, 1);
  await clock.advance(200);
  // The burst's last value, not a value the board already left.
  assert.deepEqual(points().map((p) => p.netMinor), [100, 300]);
  await clock.advance(5_000);
  assert.equal(points().length, 2);
});

Deno.test("PnlRecorder writes the unchanged state again once a minute, so silence in the history means the server was down", async () => {
  const clock = new FakeClock({ start: Date.parse(AT) });
  using store = SqliteStore.open(":memory:");
  using recorder = new PnlRecorder(store, { clock });
  recorder.record(state(100), 1, "abcd");
  await clock.advance(3 * 60_000);
  const { points } = store.history.query("pnl", 0, clock.now() + 1, 1000);
  assert.deepEqual(
    points.map((p) => (p.at - Date.parse(AT)) / 60_000),
    [0, 1, 2, 3],
  );
  assert.ok(points.every((p) => p.netMinor === 100));
  recorder.close();
  await clock.advance(3 * 60_000);
  assert.equal(
    store.history.query("pnl", 0, clock.now() + 1, 1000).points.length,
    4,
  );
});

Deno.test("PnlRecorder keeps each source's own series, one point per change of its amount", async () => {
  const clock = new FakeClock({ start: Date.parse(AT) });
  using store = SqliteStore.open(":memory:");
  using recorder = new PnlRecorder(store, { clock });
  for (const amount of [100, 100, 250, 250, 90]) {
    recorder.record(state(amount), 1, "abcd");
    await clock.advance(2_000);
  }
  const key = sourceHistoryKey("pnl", "shop");
  assert.equal(key, "pnl/source/shop");
  const { points } = store.history.query(key, 0, clock.now(), 1000);
  assert.deepEqual(points.map((p) => p.netMinor), [100, 250, 90]);
  assert.deepEqual(
    points.map((p) => (p.at - Date.parse(AT)) / 1000),
    [0, 4, 8],
  );
});

Deno.test("PnlRecorder restores the last state as stale from L3, with each source's last figure", () => {
  const clock = new FakeClock({ start: Date.parse(AT) });
  using store = SqliteStore.open(":memory:");
  new PnlRecorder(store, { clock }).record(state(1234), 7, "abcd");
  const restored = new PnlRecorder(store, { clock }).restore();
  assert.equal(restored?.state.sources.shop?.status, "stale");
  assert.equal(restored?.state.sources.shop?.origin, "L3");
  assert.deepEqual(restored?.figures, { shop: 1234 });
  assert.equal(restored?.savedAt, clock.now());
});

Deno.test("PnlRecorder leaves a saved state of version 1 (before each fact was sent once) unrestored instead of misreading it", () => {
  using store = SqliteStore.open(":memory:");
  store.saveSnapshot("pnl", {
    state: {
      currency: "USD",
      stale: false,
      totals: {
        revenueMinor: 5,
        expensesMinor: 0,
        tradingMinor: 0,
        netMinor: 5,
      },
      sources: {
        shop: {
          kind: "stripe",
          role: "revenue",
          status: "ok",
          origin: "live",
          amountMinor: 5,
        },
      },
    },
    seq: 3,
    epoch: "abcd",
    savedAt: Date.parse(AT),
  });
  assert.equal(
    new PnlRecorder(store, { clock: new FakeClock() }).restore(),
    undefined,
  );
});

Deno.test("PnlRecorder restores nothing from an empty database", () => {
  using store = SqliteStore.open(":memory:");
  assert.equal(
    new PnlRecorder(store, { clock: new FakeClock() }).restore(),
    undefined,
  );
});

Deno.test("PnlRecorder.recordPublished saves only the P&L topic and reports a failed save instead of throwing", () => {
  const clock = new FakeClock({ start: Date.parse(AT) });
  const store = SqliteStore.open(":memory:");
  const recorder = new PnlRecorder(store, { clock });
  const errors: unknown[] = [];
  recorder.recordPublished(
    "admin",
    { seq: 5, epoch: "abcd" },
    {},
    (e) => errors.push(e),
  );
  assert.equal(store.loadSnapshot("admin"), undefined);
  recorder.recordPublished(
    "pnl",
    { seq: 6, epoch: "abcd" },
    state(1),
    (e) => errors.push(e),
  );
  assert.equal(store.loadSnapshot("pnl")?.seq, 6);
  store.close(); // the database is gone: the next save fails
  recorder.recordPublished(
    "pnl",
    { seq: 7, epoch: "abcd" },
    state(2),
    (e) => errors.push(e),
  );
  assert.equal(errors.length, 1);
});
