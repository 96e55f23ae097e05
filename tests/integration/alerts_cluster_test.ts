/**
 * One evaluator per cluster: three instances on one Redis send each
 * notification once; a leader killed with a notification in flight, or
 * with an alert still pending, leaves both to its successor, which reads
 * them from Redis and neither drops nor repeats anything.
 */
import assert from "node:assert/strict";
import { postSigned } from "../_helpers/ingest.ts";
import { startRedis } from "../_helpers/redis_server.ts";
import {
  findLeader,
  type ServerProcess,
  startServerProcess,
} from "../_helpers/server_process.ts";
import { startReceiver } from "../_helpers/receiver.ts";
import { eventually } from "../_helpers/eventually.ts";

const SHOP_SECRET = "whsec_shop";

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("alerts in a cluster: three instances on one Redis deliver each notification once, also when the leader is SIGKILLed mid-delivery or while an alert is pending", async () => {
  await using redis = await startRedis();
  await using ops = startReceiver();
  const dir = await Deno.makeTempDir();
  const servers: ServerProcess[] = [];
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "shop",
          kind: "webhook",
          role: "revenue",
          mode: "increment",
          secretEnv: "SHOP_SECRET",
        }],
        alerts: [
          { id: "big-sales", figure: "revenue", above: 100, notify: ["ops"] },
          {
            id: "huge-sales",
            figure: "revenue",
            above: 1000,
            forMs: 4000,
            notify: ["ops"],
          },
        ],
        channels: [{
          id: "ops",
          kind: "webhook",
          url: ops.url,
          secretEnv: "OPS_SECRET",
        }],
      }),
    );
    const env = {
      REDIS_URL: redis.url,
      PULSE_CONFIG: file,
      PULSE_LEASE_MS: "600",
      SHOP_SECRET,
      OPS_SECRET: "ops-secret",
    };
    for (let i = 0; i < 3; i++) {
      servers.push(await startServerProcess({ env }));
    }
    const dead = new Set<ServerProcess>();
    const alive = () => servers.filter((s) => !dead.has(s));
    const kill = async (s: ServerProcess) => {
      dead.add(s);
      assert.equal(await s.stop("SIGKILL"), 137);
    };
    const leader = () => findLeader(alive());
    const sell = (via: ServerProcess, id: string, amount: string) =>
      postSigned(via.url, "shop", SHOP_SECRET, { id, amount });
    const keys = () => ops.delivered.map((r) => JSON.parse(r.body).key);

    // Once, whichever instance takes the delivery.
    const first = await leader();
    const follower = alive().find((s) => s !== first)!;
    await sell(follower, "o1", "150.00");
    await eventually(() => ops.delivered.length ? true : undefined, "firing");
    await settle(1_500);
    assert.deepEqual(keys(), ["big-sales:1:firing"]);

    // The leader dies with the next notification in flight.
    ops.script([{ hang: true }]);
    await sell(follower, "r1", "-100.00");
    await eventually(
      () => ops.received.length === 2 ? true : undefined,
      "the resolve in flight",
    );
    await kill(first);
    const second = await leader();
    assert.notEqual(second, first);
    await eventually(
      () => ops.delivered.length === 2 ? true : undefined,
      "the resolve, sent by the next leader",
    );

    // The next leader dies while an alert is pending (its for: 4 s).
    await sell(alive().find((s) => s !== second)!, "o2", "2000.00");
    await eventually(
      () => ops.delivered.length === 3 ? true : undefined,
      "big-sales firing again",
    );
    const killedAt = Date.now();
    await kill(second);
    const third = await leader();
    const pending = await eventually(async () => {
      const api = await (await fetch(new URL("/api/alerts", third.url)))
        .json();
      const rule = api.rules.find((r: { id: string }) => r.id === "huge-sales");
      return rule.phase === "pending" || rule.phase === "firing"
        ? rule
        : undefined;
    }, "the third leader's view of huge-sales");
    assert.equal(pending.phase, "pending", "not fired before its for");
    assert.ok(
      Date.parse(pending.since) < killedAt,
      `pending since ${pending.since}, before the leader that saw it died`,
    );
    await eventually(
      () => ops.delivered.length === 4 ? true : undefined,
      "huge-sales, fired by the third leader",
    );
    await settle(1_500);
    assert.deepEqual(keys(), [
      "big-sales:1:firing",
      "big-sales:1:resolved",
      "big-sales:2:firing",
      "huge-sales:1:firing",
    ]);
  } finally {
    for (const s of servers) await s[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});
