import assert from "node:assert/strict";
import type { BusChange } from "@/lib/stream/mod.ts";
import { PublishWindow } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

function setup(batchMs = 100) {
  const clock = new FakeClock();
  const topic = {
    name: "t",
    state: { n: 0 } as Record<string, number>,
    seq: 1,
  };
  const sent: BusChange[] = [];
  const refusals: unknown[] = [];
  let answer: () => Promise<void> | void = () => {};
  const window = new PublishWindow(topic, {
    clock,
    batchMs,
    epoch: () => "ep01",
    send: (change) => {
      sent.push(change);
      return answer();
    },
    onRefused: (error) => refusals.push(error),
  });
  return {
    clock,
    topic,
    sent,
    refusals,
    window,
    answerWith(f: () => Promise<void> | void) {
      answer = f;
    },
  };
}

Deno.test("PublishWindow: while a change is with the bus, new offers wait and go out as one change after it settles", async () => {
  const s = setup();
  await s.clock.advance(100); // past the window the creation opened
  const bus = Promise.withResolvers<void>();
  s.answerWith(() => bus.promise);
  s.window.offer({ n: 1 });
  assert.equal(s.window.phase, "queued");
  await Promise.resolve();
  assert.equal(s.window.phase, "publishing");
  s.window.offer({ n: 2 });
  s.window.offer({ n: 3 });
  s.window.flush(); // nothing goes out while one is in flight
  assert.equal(s.sent.length, 1);
  s.answerWith(() => {});
  s.topic.state = { n: 1 };
  s.topic.seq = 2;
  bus.resolve();
  await s.window.inFlight;
  assert.equal(s.window.phase, "waiting");
  await s.clock.advance(100);
  assert.deepEqual(s.sent.map((c) => [c.base, c.patch]), [
    [1, { n: 1 }],
    [2, { n: 3 }],
  ]);
  assert.equal(s.window.phase, "idle");
});

Deno.test("PublishWindow: a refused change is reported and offered again after 500 ms, newest state first", async () => {
  const s = setup(0);
  s.answerWith(() => Promise.reject(new Error("not the leader")));
  s.window.offer({ n: 1 });
  await Promise.resolve();
  await s.window.inFlight;
  assert.equal(s.refusals.length, 1);
  assert.equal(s.window.phase, "waiting");
  s.window.offer({ n: 2 }); // replaces the refused one
  s.answerWith(() => {});
  await s.clock.advance(499);
  assert.equal(s.sent.length, 1);
  await s.clock.advance(1);
  assert.deepEqual(s.sent.at(-1)?.patch, { n: 2 });
  s.window.close();
});

Deno.test("PublishWindow: changes that cancel out within a window publish nothing", async () => {
  const s = setup();
  s.window.offer({ n: 5 });
  s.window.offer({ n: 0 });
  await s.clock.advance(100);
  assert.equal(s.sent.length, 0);
  assert.equal(s.window.phase, "idle");
});

Deno.test("PublishWindow: latest is the waiting state, else the one with the bus, else the published one", async () => {
  const s = setup();
  await s.clock.advance(100);
  assert.deepEqual(s.window.latest, { n: 0 }, "nothing offered: published");
  const bus = Promise.withResolvers<void>();
  s.answerWith(() => bus.promise);
  s.window.offer({ n: 1 });
  assert.deepEqual(s.window.latest, { n: 1 }, "waiting in the window");
  await Promise.resolve();
  assert.equal(s.window.phase, "publishing");
  assert.deepEqual(s.window.latest, { n: 1 }, "with the bus, not published");
  s.window.offer({ n: 2 });
  assert.deepEqual(s.window.latest, { n: 2 });
  s.answerWith(() => {});
  s.topic.state = { n: 1 };
  s.topic.seq = 2;
  bus.resolve();
  await s.window.inFlight;
  await s.clock.advance(100);
  s.topic.state = { n: 2 };
  assert.deepEqual(s.window.latest, { n: 2 }, "settled: published");
});
