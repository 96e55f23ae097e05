import assert from "node:assert/strict";
import { Cluster } from "@/lib/cluster/mod.ts";
import { createLogger } from "@/lib/log.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("Cluster without Redis: a cluster of one that leads from join to leave and hears its own notices", async () => {
  const calls: string[] = [];
  const cluster = new Cluster({
    clock: new FakeClock(),
    log: createLogger({ now: () => 0, write: () => {} }),
    instanceId: "solo",
    states: () => ({}),
    newEpoch: () => "ep01",
    onSync: () => calls.push("sync"),
    onLead: () => calls.push("lead"),
    onFollow: () => calls.push("follow"),
    onNotice: (kind, payload) => calls.push(`${kind}:${payload}`),
  });
  assert.equal(cluster.shared, false);
  assert.equal(cluster.bus, undefined);
  await cluster.connect();
  await cluster.join();
  cluster.notify("ingest", "shop");
  await cluster.leave();
  await cluster.close();
  assert.deepEqual(calls, ["lead", "ingest:shop", "follow"]);
  assert.equal(cluster.up, false);
});
