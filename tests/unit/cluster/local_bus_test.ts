import assert from "node:assert/strict";
import {
  BusPublishError,
  LeaderLease,
  LocalBusRefusedError,
  LocalBusServer,
  LocalLink,
  SharedBus,
} from "@/lib/cluster/mod.ts";
import type { BusEvent } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

/** The supervisor's bus on a real Unix socket in a temporary folder. */
async function localBus(
  clock: FakeClock,
  options: { admits?: (token: string) => boolean; errors?: unknown[] } = {},
) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/bus.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const server = new LocalBusServer({
    clock,
    ...(options.admits ? { admits: options.admits } : {}),
    onError: (error) => options.errors?.push(error),
  });
  const accepting = (async () => {
    try {
      for await (const connection of listener) void server.serve(connection);
    } catch {
      // Closed at the end.
    }
  })();
  return {
    server,
    path,
    link: (token?: string) =>
      new LocalLink({
        connect: () => Deno.connect({ transport: "unix", path }),
        clock,
        ...(token !== undefined ? { token } : {}),
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
    new SharedBus({
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

Deno.test("the local bus hears only its workers: a connection that does not open with a worker's token is cut off unheard, and cannot publish, subscribe or lead", async () => {
  const FORGED = JSON.stringify({
    op: "publish",
    channel: "pulse:notice",
    text: JSON.stringify({ kind: "ingest", payload: "forged" }),
  });
  const clock = new FakeClock();
  const errors: unknown[] = [];
  await using bus = await localBus(clock, {
    admits: (token) => token === "worker-token",
    errors,
  });
  const worker = bus.link("worker-token");
  await worker.connect();
  const heard: string[] = [];
  worker.onNotice((kind, payload) => heard.push(`${kind} ${payload}`));

  // Another process of the same user: no hello, then a wrong token.
  for (
    const first of [
      FORGED,
      '{"op":"hello","token":"guess"}',
    ]
  ) {
    const conn = await Deno.connect({ transport: "unix", path: bus.path });
    const lines = `${first}\n${FORGED}\n`;
    await conn.write(new TextEncoder().encode(lines));
    // The bus closes it: reading ends.
    const buffer = new Uint8Array(64);
    assert.equal(await conn.read(buffer), null);
    conn.close();
  }
  assert.equal(bus.server.connections, 1, "only the worker stays");
  // A line through the worker's own link still arrives, and the forged ones never did.
  await worker.notify("ingest", "real");
  for (let i = 0; i < 50 && heard.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.deepEqual(heard, ["ingest real"]);
  assert.equal(
    errors.filter((e) => e instanceof LocalBusRefusedError).length,
    2,
  );
  await worker.close();
});
