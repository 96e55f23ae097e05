import assert from "node:assert/strict";
import { SqliteStore, StoreError } from "@/lib/store/mod.ts";

Deno.test("SqliteStore keeps the latest state per topic across reopen", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/p.db`;
    {
      using store = SqliteStore.open(path);
      store.saveSnapshot("pnl", {
        state: { n: 1 },
        seq: 1,
        epoch: "aaaa",
        savedAt: 10,
      });
      store.saveSnapshot("pnl", {
        state: { n: 2 },
        seq: 2,
        epoch: "aaaa",
        savedAt: 20,
      });
    }
    using again = SqliteStore.open(path);
    assert.deepEqual(again.loadSnapshot("pnl"), {
      state: { n: 2 },
      seq: 2,
      epoch: "aaaa",
      savedAt: 20,
    });
    assert.equal(again.loadSnapshot("other"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteStore refuses a file that is not a database, naming the path and what to do, and leaves it untouched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/corrupt.db`;
    const garbage = "this is not a database ".repeat(200);
    await Deno.writeTextFile(path, garbage);
    assert.throws(
      () => SqliteStore.open(path),
      (e) =>
        e instanceof StoreError && e.message.includes(path) &&
        /move a damaged file aside|PULSE_DB/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(path), garbage);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteStore refuses a schema newer than it knows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/future.db`;
    {
      using store = SqliteStore.open(path);
      void store;
    }
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(path);
    db.exec("INSERT INTO schema_version (version) VALUES (999)");
    db.close();
    assert.throws(() => SqliteStore.open(path), /newer than this server knows/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteStore.relaxed() writes all or nothing, and what it committed is there for the next process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/p.db`;
    {
      using store = SqliteStore.open(path);
      store.relaxed(() =>
        store.saveSnapshot("pnl", {
          state: { n: 1 },
          seq: 1,
          epoch: "aaaa",
          savedAt: 10,
        })
      );
      assert.throws(
        () =>
          store.relaxed(() => {
            store.saveSnapshot("pnl", {
              state: { n: 2 },
              seq: 2,
              epoch: "aaaa",
              savedAt: 20,
            });
            throw new Error("a write after it failed");
          }),
        /a write after it failed/,
      );
      assert.deepEqual(
        store.loadSnapshot("pnl")?.state,
        { n: 1 },
        "rolled back",
      );
    }
    using again = SqliteStore.open(path);
    assert.equal(again.loadSnapshot("pnl")?.seq, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteStore.adoptBoard() sets another board's history and last state aside under its tag and brings a board's own back; untagged data is the board's when its state says so", () => {
  using store = SqliteStore.open(":memory:");
  const point = (netMinor: number) => ({
    at: 1_000,
    netMinor,
    revenueMinor: netMinor,
    expensesMinor: 0,
    tradingMinor: 0,
  });
  store.history.record("pnl", point(5));
  store.history.record("pnl/source/sim", point(5));
  store.saveSnapshot("pnl", {
    state: { demo: true },
    seq: 1,
    epoch: "aaaa",
    savedAt: 1,
  });
  const isDemo = (s: unknown) => (s as { demo?: boolean }).demo === true;
  // The data from before tags is the demo's: it stays where it is.
  assert.deepEqual(store.adoptBoard("pnl", "demo", isDemo), {});
  assert.equal(store.history.query("pnl", 0, 2_000, 10).points.length, 1);
  // A real board: nothing of the demo under its keys.
  assert.deepEqual(store.adoptBoard("pnl", "real", isDemo), {
    movedAside: "demo",
  });
  assert.equal(store.loadSnapshot("pnl"), undefined);
  assert.equal(store.history.query("pnl", 0, 2_000, 10).points.length, 0);
  assert.equal(
    store.history.query("pnl/source/sim", 0, 2_000, 10).points.length,
    0,
  );
  store.history.record("pnl", point(7));
  // The demo again: its own history back, the real board's set aside.
  assert.deepEqual(store.adoptBoard("pnl", "demo", isDemo), {
    movedAside: "real",
  });
  assert.deepEqual(store.loadSnapshot("pnl")?.state, { demo: true });
  assert.deepEqual(
    store.history.query("pnl", 0, 2_000, 10).points.map((p) => p.netMinor),
    [5],
  );
});
