import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { createSources, parseSourcesFile, SqliteStore } from "./_deps.ts";
import { FakeClock } from "@/lib/time/mod.ts";

async function withDb(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const db = new DatabaseSync(`${dir}/app.db`);
  db.exec(
    `CREATE TABLE orders (id INTEGER PRIMARY KEY, cents INTEGER, paid_at TEXT);
    INSERT INTO orders (cents, paid_at) VALUES (1999, '2026-11-28T10:00:00Z'), (501, '2026-11-28T11:00:00Z');`,
  );
  db.close();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function build(dir: string, entry: Record<string, unknown>) {
  using store = SqliteStore.open(":memory:");
  const file = parseSourcesFile(
    {
      sources: [{
        id: "app",
        kind: "sql",
        role: "revenue",
        database: "app.db",
        unit: "minor",
        ...entry,
      }],
    },
    `${dir}/sources.json`,
    "USD",
  );
  return await createSources(file, {
    clock: new FakeClock(),
    env: {},
    ingest: store.ingest,
  });
}

Deno.test("sql: a SELECT on the app's database, opened read-only, gives the amount and its as_of", async () => {
  await withDb(async (dir) => {
    const [app] = await build(dir, {
      query: "SELECT SUM(cents) AS amount, MAX(paid_at) AS as_of FROM orders",
    });
    const reading = await app!.source.read();
    assert.equal(reading.amountMinor, 2500);
    assert.equal(reading.asOf, "2026-11-28T11:00:00.000Z");
    // A second process adds an order; the next read sees it.
    const writer = new DatabaseSync(`${dir}/app.db`);
    writer.exec(
      "INSERT INTO orders (cents, paid_at) VALUES (100, '2026-11-28T12:00:00Z')",
    );
    writer.close();
    assert.equal((await app!.source.read()).amountMinor, 2600);
    app!.source[Symbol.dispose]?.();
  });
});

Deno.test("sql: writes, several statements, a missing amount column and a missing file are refused at start-up", async () => {
  await withDb(async (dir) => {
    for (
      const [query, message] of [
        ["DELETE FROM orders", /is not a SELECT/],
        ["SELECT 1 AS amount; DROP TABLE orders", /more than one statement/],
        [
          "SELECT cents FROM orders",
          /returns the columns cents; it must return one named "amount"/,
        ],
        [
          "SELECT amount FROM nowhere",
          /SQLite refused the query: no such table: nowhere/,
        ],
      ] as const
    ) {
      await assert.rejects(build(dir, { query }), (e: Error) => {
        assert.match(
          e.message,
          /source "app" \(sources\[0\]\): sources\[0\]\.query/,
        );
        assert.match(e.message, message);
        return true;
      });
    }
    await assert.rejects(
      build(dir, { database: "missing.db", query: "SELECT 1 AS amount" }),
      /sources\[0\]\.database: cannot open .*missing\.db read-only/,
    );
    // A semicolon inside a string is not a second statement.
    const [ok] = await build(dir, {
      query: "SELECT COUNT(*) AS amount FROM orders WHERE paid_at <> ';'",
    });
    assert.equal((await ok!.source.read()).amountMinor, 2);
    ok!.source[Symbol.dispose]?.();
  });
});

Deno.test("sql: a flow query with :from and :to runs once per period span, so each period and its comparison are exact; a stock takes no bounds", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  await withDb(async (dir) => {
    const writer = new DatabaseSync(`${dir}/app.db`);
    writer.exec(`INSERT INTO orders (cents, paid_at) VALUES
      (700, '2026-11-27T09:00:00Z'), (300, '2026-11-27T13:00:00Z'),
      (5000, '2026-10-20T10:00:00Z'), (40, '2026-10-30T10:00:00Z')`);
    writer.close();
    const [app] = await build(dir, {
      query:
        "SELECT SUM(cents) AS amount FROM orders WHERE paid_at >= :from AND paid_at < :to",
    });
    const calendar = new ReportingCalendar();
    const at = Date.parse("2026-11-28T12:00:00Z");
    const reading = await app!.source.read(undefined, {
      periods: calendar.periods(at),
    });
    assert.equal(reading.nature, "flow");
    assert.deepEqual(reading.periods?.today, {
      amountMinor: 2500, // 10:00 and 11:00 today
      previousMinor: 700, // yesterday until 12:00
    });
    assert.equal(reading.periods?.mtd.amountMinor, 3500);
    assert.equal(reading.periods?.mtd.previousMinor, 5000); // October until the 28th, 12:00
    assert.equal(reading.amountMinor, 2500);
    assert.equal(reading.periodsAt, "2026-11-28T12:00:00.000Z");
    app!.source[Symbol.dispose]?.();

    await assert.rejects(
      () =>
        build(dir, {
          query:
            "SELECT SUM(cents) AS amount FROM orders WHERE paid_at >= :from",
        }),
      /names :from but not :to/,
    );
    await assert.rejects(
      () =>
        build(dir, {
          nature: "stock",
          query:
            "SELECT SUM(cents) AS amount FROM orders WHERE paid_at >= :from AND paid_at < :to",
        }),
      /a stock is a balance at an instant and takes no :from or :to/,
    );
    const [balance] = await build(dir, {
      nature: "stock",
      query: "SELECT SUM(cents) AS amount FROM orders",
    });
    const held = await balance!.source.read(undefined, {
      periods: calendar.periods(at),
    });
    assert.equal(held.nature, "stock");
    assert.equal(held.amountMinor, 8540);
    balance!.source[Symbol.dispose]?.();
  });
});

Deno.test("sql: an endless query never stalls the server: it runs in the source's worker, is abandoned at the read's deadline with words that say so and never started twice, health answers all the while, and SIGTERM stops the server at once", async () => {
  const { startServerProcess } = await import(
    "../../_helpers/server_process.ts"
  );
  await withDb(async (dir) => {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "app",
          kind: "sql",
          role: "revenue",
          database: "app.db",
          unit: "minor",
          // Counts forever: a recursive CTE with no end.
          query:
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) AS amount FROM n",
          timeoutMs: 300,
          intervalMs: 400,
          retry: { maxAttempts: 1 },
          // Reads go on failing (no pause), so each says what happened.
          breaker: { failureThreshold: 1_000, cooldownMs: 1_000 },
        }],
      }),
    );
    const server = await startServerProcess({ env: { PULSE_CONFIG: file } });
    try {
      // Health answers promptly again and again while queries run.
      let slowest = 0;
      const end = Date.now() + 2_500;
      while (Date.now() < end) {
        const started = performance.now();
        const res = await fetch(new URL("/api/health", server.url));
        await res.body?.cancel();
        slowest = Math.max(slowest, performance.now() - started);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(slowest < 1_000, `health took ${slowest.toFixed(0)} ms`);
      const snapshot = await (await fetch(new URL("/api/snapshot", server.url)))
        .json();
      assert.ok(
        ["error", "open"].includes(snapshot.data.sources.app.status),
        snapshot.data.sources.app.status,
      );
      assert.match(
        snapshot.data.sources.app.error,
        /timed out after 0\.3 s|the query is still running past the read's deadline/,
      );
      // One thread runs the abandoned query on; no read starts another
      // (a read every 400 ms would otherwise hold both cores by now).
      const cpu = async () => {
        const stat = await Deno.readTextFile(`/proc/${server.pid}/stat`);
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(fields[11]) + Number(fields[12]); // utime + stime, ticks
      };
      const before = await cpu();
      await new Promise((r) => setTimeout(r, 1_000));
      const used = (await cpu()) - before;
      assert.ok(used < 150, `${used} ticks of CPU in 1 s (100 is a core)`);
      const later = await (await fetch(new URL("/api/snapshot", server.url)))
        .json();
      assert.equal(
        later.data.sources.app.error,
        "the query is still running past the read's deadline",
      );
      const stopping = performance.now();
      assert.equal(await server.stop("SIGTERM"), 0);
      assert.ok(performance.now() - stopping < 5_000, "stopped promptly");
    } finally {
      await server.stop("SIGKILL");
    }
  });
});
