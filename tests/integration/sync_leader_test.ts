/**
 * A first Stripe sync moves with the leadership: two instances on one
 * Redis, the leader SIGKILLed half-way through the sync; the instance that
 * takes over goes on from the page the job reached (kept in Redis page by
 * page) and ends with exact totals.
 */
import assert from "node:assert/strict";
import { startRedis } from "../_helpers/redis_server.ts";
import {
  findLeader,
  type ServerProcess,
  startServerProcess,
} from "../_helpers/server_process.ts";
import { stripeAccount, stripeMock } from "../_helpers/upstreams/mod.ts";
import { eventually } from "../_helpers/eventually.ts";

type Snapshot = {
  data: {
    sources: Record<
      string,
      { status: string; sync?: { pages: number } }
    >;
    periods: { ytd: { revenueMinor: number } };
  };
};

const snapshot = async (s: ServerProcess): Promise<Snapshot> =>
  await (await fetch(new URL("api/snapshot", s.url))).json();

Deno.test("a Stripe sync goes on where it was when its leader is SIGKILLed: the next leader reads no page twice but the one in flight", async () => {
  await using redis = await startRedis();
  const since = Date.parse("2026-01-01T00:00:00Z") / 1000;
  const { transactions: txns, net: expected } = stripeAccount(4_000, {
    start: since + 3_600,
    everyS: 600,
  });
  await using stripe = stripeMock(txns, {
    requestsPerSecond: 100,
    latencyMs: 20,
  });
  const dir = await Deno.makeTempDir();
  const servers: ServerProcess[] = [];
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "stripe",
          kind: "stripe",
          role: "revenue",
          keyEnv: "STRIPE_KEY",
          baseUrl: stripe.url,
          since: "2026-01-01T00:00:00Z",
          pagesPerRead: 2,
          requestsPerSecond: 10,
          intervalMs: 60_000,
        }],
      }),
    );
    const env = {
      REDIS_URL: redis.url,
      PULSE_CONFIG: file,
      PULSE_LEASE_MS: "600",
      STRIPE_KEY: "sk_test_pulseboard",
    };
    for (let i = 0; i < 2; i++) servers.push(await startServerProcess({ env }));
    const leader = await findLeader(servers);
    const other = servers.find((s) => s !== leader)!;
    await eventually(
      async () =>
        ((await snapshot(other)).data.sources.stripe?.sync?.pages ?? 0) >= 10
          ? true
          : undefined,
      "ten pages synced",
    );
    assert.equal(await leader.stop("SIGKILL"), 137);
    const done = await eventually(async () => {
      const s = await snapshot(other);
      return s.data.sources.stripe?.status === "ok" ? s : undefined;
    }, "the new leader to finish the sync");
    assert.equal(done.data.periods.ytd.revenueMinor, expected);
    const firstSync = stripe.served.filter((p) => p.startsWith(`${since}:`));
    const twice = firstSync.length - new Set(firstSync).size;
    assert.ok(twice <= 1, `${twice} pages read twice`);
    assert.equal(new Set(firstSync).size, 40, "every page, once");
  } finally {
    for (const s of servers) await s[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});
