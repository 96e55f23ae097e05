import assert from "node:assert/strict";
import { HeartbeatTicker, Hub, longPoll } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("longPoll() parks a current client until the next publish", async () => {
  const clock = new FakeClock();
  using hub = new Hub({
    clock,
    topics: { t: { n: 0 } },
    batchMs: 10,
    epoch: "poll-epoch",
  });
  let done = false;
  const pending = longPoll(hub, "t", { since: 1, epoch: "poll-epoch" }, {
    clock,
    timeoutMs: 25_000,
  })
    .then((r) => {
      done = true;
      return r;
    });
  await clock.advance(5_000);
  assert.equal(done, false);
  hub.publish("t", { n: 1 });
  await clock.advance(10);
  const result = await pending;
  assert.deepEqual(JSON.parse(result!.body), {
    messages: [
      JSON.parse(
        (await hub.resume("t", { since: 1, epoch: "poll-epoch" }))
          .messages[0]!.text,
      ),
    ],
    cursor: { epoch: "poll-epoch", seq: 2 },
  });
  assert.equal(clock.pendingTimers, 0, "its timeout was cleared");
});

Deno.test("longPoll() answers an empty list at the timeout, and undefined when aborted", async () => {
  const clock = new FakeClock();
  using hub = new Hub({ clock, topics: { t: { n: 0 } }, epoch: "poll-epoch" });
  const timedOut = longPoll(hub, "t", { since: 1, epoch: "poll-epoch" }, {
    clock,
    timeoutMs: 1_000,
  });
  await clock.advance(1_000);
  assert.equal(
    (await timedOut)!.body,
    '{"messages":[],"cursor":{"epoch":"poll-epoch","seq":1}}',
  );

  const abort = new AbortController();
  const aborted = longPoll(hub, "t", { since: 1, epoch: "poll-epoch" }, {
    clock,
    timeoutMs: 1_000,
    signal: abort.signal,
  });
  abort.abort();
  assert.equal(await aborted, undefined);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("longPoll() counts each answer like the other transports: a subscribe event, and a sent batch when it carries messages", async () => {
  const clock = new FakeClock();
  using hub = new Hub({ clock, topics: { t: { n: 1 } }, epoch: "poll-epoch" });
  const events: unknown[] = [];
  const sent: [string, string, number][] = [];
  const counting = {
    clock,
    timeoutMs: 0,
    onEvent: (e: unknown) => events.push(e),
    onSent: (transport: string, type: string, bytes: number) =>
      sent.push([transport, type, bytes]),
  };
  const first = await longPoll(hub, "t", {}, counting);
  assert.deepEqual(events, [
    { kind: "subscribe", transport: "poll", resumed: false },
  ]);
  assert.deepEqual(sent, [["poll", "batch", first!.body.length]]);
  const { cursor } = JSON.parse(first!.body);
  await longPoll(
    hub,
    "t",
    { since: cursor.seq, epoch: cursor.epoch },
    counting,
  );
  assert.equal(events.length, 2);
  assert.equal(sent.length, 1, "an empty answer sends no batch");
});

Deno.test("longPoll() on a shared ticker ends at its timeout within one tick, with no timer of its own and no member left behind", async () => {
  const clock = new FakeClock();
  using hub = new Hub({ clock, topics: { t: { n: 0 } }, epoch: "poll-epoch" });
  const ticker = new HeartbeatTicker({ clock, heartbeatMs: 10_000 });
  let done = false;
  const parked = Array.from(
    { length: 50 },
    () =>
      longPoll(hub, "t", { since: 1, epoch: "poll-epoch" }, {
        clock,
        timeoutMs: 25_000,
        ticker,
      }).then((r) => {
        done = true;
        return r;
      }),
  );
  assert.equal(ticker.size, 50);
  assert.equal(clock.pendingTimers, 1, "the ticker's one timer for all");
  await clock.advance(24_999);
  assert.equal(done, false, "not before its timeout");
  await clock.advance(ticker.tickMs + 1);
  for (const result of await Promise.all(parked)) {
    assert.equal(
      result!.body,
      '{"messages":[],"cursor":{"epoch":"poll-epoch","seq":1}}',
    );
  }
  assert.equal(ticker.size, 0);
  assert.equal(
    clock.pendingTimers,
    0,
    "the ticker stopped with its last member",
  );
});
