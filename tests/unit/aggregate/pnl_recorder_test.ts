import assert from "node:assert/strict";
import { buildPnlState, PnlRecorder } from "@/lib/aggregate/mod.ts";
import { SqliteStore } from "@/lib/cache/mod.ts";
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

Deno.test("PnlRecorder saves every state but makes at most one history point a second", async () => {
  const clock = new FakeClock({ start: Date.parse(AT) });
  using store = SqliteStore.open(":memory:");
  const recorder = new PnlRecorder(store, { clock });
  const points = () =>
    store.history.query("pnl", 0, clock.now() + 1, 1000).points.length;
  recorder.record(state(100), 1, "abcd");
  await clock.advance(999);
  recorder.record(state(200), 2, "abcd"); // under a second: saved, no point
  assert.equal(store.loadSnapshot("pnl")?.seq, 2);
  assert.equal(points(), 1);
  await clock.advance(1);
  recorder.record(state(300), 3, "abcd");
  assert.equal(points(), 2);
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
