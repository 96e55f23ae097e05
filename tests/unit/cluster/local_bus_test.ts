import assert from "node:assert/strict";
import {
  BusPublishError,
  LeaderLease,
  LocalBusServer,
  LocalLink,
  RedisBus,
} from "@/lib/cluster/mod.ts";
import type { BusEvent } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

/** The supervisor's bus on a real Unix socket in a temporary folder. */
async function localBus(clock: FakeClock) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/bus.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const server = new LocalBusServer({ clock });
  const accepting = (async () => {
    try {
      for await (const connection of listener) void server.serve(connection);
    } catch {
      // Closed at the end.
    }
  })();
  return {
    server,
    link: () =>
      new LocalLink({
        connect: () => Deno.connect({ transport: "unix", path }),
        clock,
      }),
    async [Symbol.asyncDispose]() {
      listener.close();
      server.close();
      await accepting;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("the local bus runs the cluster's scripts: one epoch, one lease, one sequence for every worker, and a worker that goes away gives its lease up at once", async (t) => {
  const clock = new FakeClock();
  await using bus = await localBus(clock);
  const a = bus.link();
  const b = bus.link();
  await a.connect();
  await b.connect();
  const lease = (link: LocalLink, id: string) =>
    new LeaderLease({
      run: (script, keys, args) => link.run(script, keys, args),
      key: link.key("leader"),
      instanceId: id,
      clock,
      onChange: () => {},
    });
  const leaseA = lease(a, "a");
  const leaseB = lease(b, "b");
  const synced: string[] = [];
  const busOf = (
    link: LocalLink,
    fencing: LeaderLease,
    epoch: string,
  ) =>
    new RedisBus({
      redis: link,
      fencing,
      shared: ["t"],
      states: () => ({ n: 0 }),
      newEpoch: () => epoch,
      onSync: (joined) => synced.push(joined),
    });
  const busA = busOf(a, leaseA, "epochA");
  const busB = busOf(b, leaseB, "epochB");
  const seenByB: BusEvent[] = [];
  busB.subscribe((event) => seenByB.push(event));
  try {
    await t.step(
      "the first to campaign leads, with fencing token 1",
      async () => {
        await leaseA.tick();
        await leaseB.tick();
        assert.equal(leaseA.fence, "a:1");
        assert.equal(leaseB.leader, false);
        assert.equal(leaseB.holder, "a:1");
      },
    );

    await t.step(
      "the first to join makes the epoch; the next joins it",
      async () => {
        await busA.connect();
        await busB.connect();
        assert.deepEqual(synced, ["epochA", "epochA"]);
      },
    );

    await t.step(
      "the leader's change gets the next seq and reaches every worker",
      async () => {
        const change = {
          topic: "t",
          epoch: "epochA",
          base: 1,
          seqHint: 2,
          ts: "2026-12-02T00:00:00.000Z",
          patch: { n: 1 },
          state: { n: 1 },
        };
        await busA.publish(change);
        for (let i = 0; i < 100 && seenByB.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.equal(seenByB.length, 1);
        assert.deepEqual(seenByB[0]!.message.envelope, {
          type: "delta",
          topic: "t",
          epoch: "epochA",
          seq: 2,
          base: 1,
          ts: "2026-12-02T00:00:00.000Z",
          patch: { n: 1 },
        });
        await assert.rejects(
          () => busA.publish(change),
          (e) => e instanceof BusPublishError && e.reason === "conflict",
          "the same base twice is a conflict",
        );
        await assert.rejects(
          () => busB.publish({ ...change, base: 2 }),
          (e) => e instanceof BusPublishError && e.reason === "not_leader",
        );
        const kept = await busB.readAfter("t", 1);
        assert.deepEqual(kept?.map((m) => m.envelope.seq), [2]);
      },
    );

    await t.step(
      "a worker that goes away gives up its lease at once",
      async () => {
        await a.close();
        for (let i = 0; i < 100 && bus.server.connections > 1; i++) {
          await new Promise((r) => setTimeout(r, 5));
        }
        await leaseB.tick(); // no lease to wait out
        assert.equal(leaseB.fence, "b:2");
      },
    );
  } finally {
    await busA.close();
    await busB.close();
    await leaseB.stop();
    await b.close();
  }
});

Deno.test("a local link refuses scripts that are not the cluster's own", async () => {
  const clock = new FakeClock();
  await using bus = await localBus(clock);
  const link = bus.link();
  await link.connect();
  try {
    await assert.rejects(
      () => link.run("return 1", [], []),
      /runs only the bus's and the lease's own scripts/,
    );
  } finally {
    await link.close();
  }
});
