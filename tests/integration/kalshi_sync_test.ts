/**
 * A first Kalshi sync survives the process and the leadership: SIGKILL the
 * server half-way through a busy account's paged sync and start it again
 * on the same database, or SIGKILL the leader of two instances on one
 * Redis; the job goes on from the page it reached (at most the page in
 * flight is read twice) and ends with exact totals.
 */
import assert from "node:assert/strict";
import { startRedis } from "../_helpers/redis_server.ts";
import {
  findLeader,
  type ServerProcess,
  startServerProcess,
} from "../_helpers/server_process.ts";
import {
  kalshiAccount,
  kalshiKeys,
  kalshiMock,
} from "../_helpers/upstreams/mod.ts";
import type { KalshiAccount } from "../_helpers/upstreams/kalshi_account.ts";
import { eventually } from "../_helpers/eventually.ts";

type Snapshot = {
  data: {
    sources: Record<
      string,
      {
        status: string;
        sync?: { pages: number };
        detail?: Record<string, number>;
      }
    >;
  };
};

const snapshot = async (s: ServerProcess): Promise<Snapshot> =>
  await (await fetch(new URL("/api/snapshot", s.url))).json();

/** Pages of the lists (the positions are read whole on every change). */
const listPages = (served: readonly string[]) =>
  served.filter((p) => !p.startsWith("/portfolio/positions"));

/** An account of 2,000 fills and 600 settlements, its mock and its files. */
async function setUp() {
  const keys = await kalshiKeys();
  const account = kalshiAccount({
    settled: 600,
    open: 70,
    tripsPerMarket: 10,
    now: Date.now(),
  });
  const mock = kalshiMock({
    keys,
    fixture: account.fixture,
    readsPerSecond: 100,
    latencyMs: 20,
  });
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sources.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      sources: [{
        id: "kalshi",
        kind: "kalshi",
        role: "trading",
        environment: "demo",
        baseUrl: mock.apiUrl,
        keyIdEnv: "KALSHI_KEY_ID",
        privateKeyEnv: "KALSHI_PRIVATE_KEY",
        live: false,
        pageSize: 100,
        pagesPerRead: 2,
        requestsPerSecond: 10,
        intervalMs: 60_000,
      }],
    }),
  );
  const env = {
    PULSE_CONFIG: file,
    KALSHI_KEY_ID: keys.keyId,
    KALSHI_PRIVATE_KEY: keys.pkcs8Pem,
  };
  return { account, mock, dir, env };
}

/** Checks the finished sync: exact, every page once but the one in flight. */
function assertSynced(
  done: Snapshot,
  account: KalshiAccount,
  served: readonly string[],
) {
  const kalshi = done.data.sources.kalshi!;
  assert.equal(kalshi.detail?.realizedMinor, account.realizedCents);
  assert.equal(kalshi.detail?.fills, 2_000);
  assert.equal(kalshi.detail?.settlements, 600);
  // The sync's pages; a quiet poll after it ends (settlements and fills
  // since the newest seen, `min_ts=`) is not part of it, and may come
  // before this looks (it did in about one run in six).
  const pages = listPages(served).filter((p) => !p.includes("min_ts="));
  const twice = pages.length - new Set(pages).size;
  assert.ok(twice <= 1, `${twice} pages read twice (only one in flight)`);
  assert.equal(
    new Set(pages).size,
    syncPages(account),
    "every page of the sync, once",
  );
}

/** Pages of the first sync: settlements, live fills, historical fills. */
function syncPages(account: KalshiAccount): number {
  const cutoff = Date.parse(account.fixture.cutoff.trades_created_ts!);
  const live =
    account.fixture.fills.filter((f) =>
      Date.parse(String(f.created_time)) >= cutoff
    ).length;
  const pages = (n: number) => Math.max(1, Math.ceil(n / 100));
  return pages(account.settlements) + pages(live) +
    pages(account.fills - live);
}

Deno.test("a Kalshi sync killed half-way (SIGKILL) goes on after a restart from the page it reached, with exact totals", async () => {
  const { account, mock, dir, env } = await setUp();
  try {
    const withDb = { ...env, PULSE_DB: `${dir}/pulse.db` };
    const first = await startServerProcess({ env: withDb });
    await eventually(
      async () =>
        ((await snapshot(first)).data.sources.kalshi?.sync?.pages ?? 0) >= 8
          ? true
          : undefined,
      "eight pages",
    );
    assert.equal(await first.stop("SIGKILL"), 137);
    assert.ok(
      listPages(mock.served).length < syncPages(account),
      "stopped half-way",
    );
    await using second = await startServerProcess({ env: withDb });
    const done = await eventually(async () => {
      const s = await snapshot(second);
      return s.data.sources.kalshi?.status === "ok" ? s : undefined;
    }, "the sync to finish");
    assertSynced(done, account, mock.served);
  } finally {
    await mock.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Kalshi sync goes on where it was when its leader is SIGKILLed: the next leader reads no page twice but the one in flight", async () => {
  await using redis = await startRedis();
  const { account, mock, dir, env } = await setUp();
  const servers: ServerProcess[] = [];
  try {
    const shared = { ...env, REDIS_URL: redis.url, PULSE_LEASE_MS: "600" };
    for (let i = 0; i < 2; i++) {
      servers.push(await startServerProcess({ env: shared }));
    }
    const leader = await findLeader(servers);
    const other = servers.find((s) => s !== leader)!;
    await eventually(
      async () =>
        ((await snapshot(other)).data.sources.kalshi?.sync?.pages ?? 0) >= 8
          ? true
          : undefined,
      "eight pages synced",
    );
    assert.equal(await leader.stop("SIGKILL"), 137);
    const done = await eventually(async () => {
      const s = await snapshot(other);
      return s.data.sources.kalshi?.status === "ok" ? s : undefined;
    }, "the new leader to finish the sync");
    assertSynced(done, account, mock.served);
  } finally {
    for (const s of servers) await s[Symbol.asyncDispose]();
    await mock.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
