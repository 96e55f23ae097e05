/**
 * Acknowledged deliveries survive a Redis emptied under two instances:
 * each instance's share is in its own SQLite file before the 2xx, and
 * after `FLUSHALL` both put theirs back, so the board's figure comes back
 * whole (never the reader's older copy, never zero, marked stale while it
 * settles), and a redelivery to either instance is still a duplicate.
 */
import assert from "node:assert/strict";
import { signWebhook } from "@/lib/security/mod.ts";
import { startRedis } from "../_helpers/redis_server.ts";
import {
  type ServerProcess,
  startServerProcess,
} from "../_helpers/server_process.ts";
import { counterAndShopSources } from "../_helpers/cluster_sources.ts";
import { serveMock } from "../_helpers/upstreams/mod.ts";
import { eventually } from "../_helpers/eventually.ts";

const SECRET = "whsec_flush";

/** Posts a signed increment; answers the status and body. */
async function deliver(server: ServerProcess, id: string, amount: string) {
  const body = JSON.stringify({ id, amount });
  const res = await fetch(new URL("/api/ingest/shop", server.url), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "pulse-signature": await signWebhook(
        SECRET,
        Math.floor(Date.now() / 1000),
        new TextEncoder().encode(body),
      ),
    },
    body,
  });
  return { status: res.status, body: await res.json() };
}

/** The shop's figure and status in an instance's snapshot. */
async function shop(server: ServerProcess) {
  const s = await (await fetch(new URL("/api/snapshot", server.url))).json();
  const source = s.data.sources.shop;
  return {
    amount: s.data.periods.today.sources.shop?.amountMinor as number,
    status: source.status as string,
  };
}

Deno.test("Redis emptied (FLUSHALL) under two instances: the pushed figure comes back whole from both instances' SQLite, and every redelivery to either is a duplicate", async () => {
  await using redis = await startRedis();
  await using upstream = serveMock(() => Response.json({ total: 0 }));
  const dir = await Deno.makeTempDir();
  try {
    const env = (name: string) => ({
      REDIS_URL: redis.url,
      PULSE_CONFIG: "",
      PULSE_DB: `${dir}/${name}.db`,
      PULSE_BATCH_MS: "20",
      PULSE_LEASE_MS: "600",
      SHOP_SECRET: SECRET,
    });
    const file = await counterAndShopSources(upstream.url, 200);
    await using a = await startServerProcess({
      env: { ...env("a"), PULSE_CONFIG: file },
    });
    await using b = await startServerProcess({
      env: { ...env("b"), PULSE_CONFIG: file },
    });
    assert.equal((await deliver(a, "o1", "30.00")).status, 200);
    assert.equal((await deliver(b, "o2", "30.00")).status, 200);
    await eventually(
      async () => (await shop(a)).amount === 6_000 || undefined,
      "both sales on the board",
    );

    await redis.flushAll();
    // Watched from both instances for 3 s: the figure never shows less.
    const amounts = new Set<number>();
    const end = Date.now() + 3_000;
    while (Date.now() < end) {
      for (const s of [a, b]) amounts.add((await shop(s)).amount);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual([...amounts], [6_000], "never 3,000, never 0");
    await eventually(async () => {
      const now = await shop(a);
      return (now.status === "ok" && now.amount === 6_000) || undefined;
    }, "the shop live again at $60.00, read again once settled");

    for (
      const [s, id] of [[a, "o1"], [a, "o2"], [b, "o1"], [b, "o2"]] as const
    ) {
      const again = await deliver(s, id, "30.00");
      assert.equal(again.status, 200);
      assert.equal(again.body.duplicate, true, `${id} again`);
    }
    assert.equal((await deliver(b, "o3", "10.00")).status, 200);
    await eventually(
      async () => (await shop(a)).amount === 7_000 || undefined,
      "a new sale counted once on top",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
