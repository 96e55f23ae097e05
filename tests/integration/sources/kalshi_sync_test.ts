/**
 * A busy Kalshi account synced as a resumable job: thousands of fills and
 * settlements over many pages, paced at the source's cap, exact totals,
 * page by page in SQLite so another process goes on where one stopped.
 */
import assert from "node:assert/strict";
import { guardSource } from "@/lib/sources/mod.ts";
import { systemClock } from "@/lib/time/mod.ts";
import {
  kalshiAccount,
  kalshiKeys,
  kalshiMock,
} from "../../_helpers/upstreams/mod.ts";
import { kalshiSource } from "../../_helpers/upstreams/kalshi_source.ts";

const keys = await kalshiKeys();

/** The source under test, on the mock at `apiUrl`. */
const source = (
  apiUrl: string,
  overrides: Parameters<typeof kalshiSource>[2] = {},
) => kalshiSource(keys, apiUrl, { maxPages: 1000, ...overrides });

/** Pages of a list of `n` items at `size` a page. */
const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));

Deno.test("Kalshi: a first sync of 4,000 fills and 1,000 settlements pages at the source's rate cap, shows how far it is, ends with exact totals, and a quiet poll then costs one request", async () => {
  const now = Date.now();
  const account = kalshiAccount({
    settled: 1_000,
    open: 100,
    tripsPerMarket: 15,
    now,
  });
  assert.equal(account.fills + account.settlements, 5_000);
  // Kalshi's Basic read budget (20 a second) and pages that take a while.
  await using mock = kalshiMock({
    keys,
    fixture: account.fixture,
    readsPerSecond: 20,
    latencyMs: 30,
  });
  const guarded = guardSource(
    await source(mock.apiUrl, { pagesPerRead: 10 }),
    {
      clock: systemClock,
      requestsPerSecond: 10,
      timeoutMs: 5_000,
      retry: { maxAttempts: 8, minDelayMs: 50, maxDelayMs: 400 },
    },
  );
  const began = performance.now();
  let reading = await guarded.read();
  const progress: number[] = [];
  while (reading.syncing) {
    progress.push(reading.syncing.pages);
    reading = await guarded.read();
  }
  const seconds = (performance.now() - began) / 1000;
  assert.equal(reading.detail?.realizedMinor, account.realizedCents);
  assert.equal(reading.detail?.fills, 4_000);
  assert.equal(reading.detail?.settlements, 1_000);
  assert.ok(progress.length >= 4, `syncing reported: ${progress}`);
  assert.ok(
    progress.every((p, i) => i === 0 || p > progress[i - 1]!),
    `each read goes on from the page before: ${progress}`,
  );
  const listPages = mock.served.filter((p) => !p.startsWith("/portfolio/pos"));
  assert.equal(new Set(listPages).size, listPages.length, "no page twice");
  const cutoff = Date.parse(account.fixture.cutoff.trades_created_ts!);
  const live =
    account.fixture.fills.filter((f) =>
      Date.parse(String(f.created_time)) >= cutoff
    ).length;
  const expectedPages = pages(1_000, 100) + pages(live, 100) +
    pages(4_000 - live, 100);
  assert.equal(listPages.length, expectedPages, listPages.join("\n"));
  // Every request (the lists, and each read's balance, the cutoff, the
  // positions) at 10 a second; within 1.5x of that time.
  const paced = mock.total / 10;
  assert.ok(
    seconds < paced * 1.5,
    `synced in ${
      seconds.toFixed(1)
    } s; ${mock.total} requests at 10/s take ${paced} s`,
  );
  // Synced: a poll with nothing new asks for the balance alone (every
  // fill and settlement would move it).
  const before = mock.total;
  const quiet = await guarded.read();
  assert.equal(quiet.detail?.realizedMinor, account.realizedCents);
  assert.equal(mock.total - before, 1);
});

Deno.test("Kalshi: the sync is kept page by page in SQLite: a new process goes on from the page the last one reached and counts nothing twice", async () => {
  const { SqliteStore } = await import("@/lib/store/mod.ts");
  const account = kalshiAccount({
    settled: 300,
    open: 20,
    tripsPerMarket: 10,
    now: Date.now(),
  });
  await using mock = kalshiMock({
    keys,
    fixture: account.fixture,
    readsPerSecond: 1_000,
  });
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pulse.db`;
    {
      using store = SqliteStore.open(path);
      const first = await source(mock.apiUrl, {
        pagesPerRead: 4,
        sync: store.sync,
      });
      const partial = await first.read();
      assert.deepEqual(partial.syncing, { pages: 4, items: 400 });
    } // the process ends here, half-way through the sync
    {
      using store = SqliteStore.open(path);
      const second = await source(mock.apiUrl, {
        pagesPerRead: 4,
        sync: store.sync,
      });
      let reading = await second.read();
      while (reading.syncing) reading = await second.read();
      assert.equal(reading.detail?.realizedMinor, account.realizedCents);
      assert.equal(reading.detail?.fills, 700);
      const listPages = mock.served.filter((p) =>
        !p.startsWith("/portfolio/pos")
      );
      assert.equal(new Set(listPages).size, listPages.length, "none twice");
      // Restarted once synced: nothing is paged again.
      const third = await source(mock.apiUrl, { sync: store.sync });
      const again = await third.read();
      assert.equal(again.detail?.realizedMinor, account.realizedCents);
      const after = mock.served.slice(listPages.length + 1);
      assert.ok(
        after.every((p) =>
          p.includes("min_ts=") || p.startsWith("/portfolio/pos")
        ),
        `only what is new: ${after}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
