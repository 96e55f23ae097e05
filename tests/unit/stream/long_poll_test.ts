import assert from "node:assert/strict";
import { Hub, longPoll } from "@/lib/stream/mod.ts";
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
        hub.resume("t", { since: 1, epoch: "poll-epoch" }).messages[0]!.text,
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
