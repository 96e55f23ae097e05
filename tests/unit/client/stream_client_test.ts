import assert from "node:assert/strict";
import {
  type ClientSocket,
  type ClientState,
  StreamClient,
} from "@/lib/client/mod.ts";
import { FakeClock, seededRandom } from "@/lib/time/mod.ts";

class FakeSocket implements ClientSocket {
  sent: Record<string, unknown>[] = [];
  closed?: number;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closed = code;
  }
  open() {
    this.onopen?.(new Event("open"));
  }
  receive(message: unknown) {
    this.onmessage?.(
      new MessageEvent("message", { data: JSON.stringify(message) }),
    );
  }
  drop() {
    this.onclose?.(new CloseEvent("close", { code: 1006 }));
  }
}

function setup() {
  const clock = new FakeClock({
    start: Date.parse("2026-11-28T13:00:00.000Z"),
  });
  const sockets: FakeSocket[] = [];
  const states: ClientState[] = [];
  const client = new StreamClient({
    baseUrl: "https://board.example/",
    clock,
    random: seededRandom(1),
    createWebSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    onChange: (s) => states.push(s),
  });
  return { clock, sockets, states, client };
}

const ts = "2026-11-28T13:00:00.000Z";
const snapshot = (seq: number, data: Record<string, unknown>) => ({
  type: "snapshot",
  topic: "pnl",
  epoch: "epoch-1",
  seq,
  ts,
  data,
});
const delta = (base: number, seq: number, patch: Record<string, unknown>) => ({
  type: "delta",
  topic: "pnl",
  epoch: "epoch-1",
  base,
  seq,
  ts,
  patch,
});

Deno.test("StreamClient subscribes on open, applies deltas and goes live", () => {
  const { sockets, client } = setup();
  client.start();
  assert.equal(sockets[0]?.url, "wss://board.example/api/ws");
  sockets[0]!.open();
  assert.deepEqual(sockets[0]!.sent[0], { type: "subscribe", topic: "pnl" });
  sockets[0]!.receive(snapshot(1, { n: 1 }));
  sockets[0]!.receive(delta(1, 3, { n: 3 }));
  assert.equal(client.state.status, "live");
  assert.deepEqual(client.state.view, {
    epoch: "epoch-1",
    seq: 3,
    data: { n: 3 },
  });
  client.close();
});

Deno.test("StreamClient ignores duplicates and resubscribes from its position on a gap", () => {
  const { sockets, client } = setup();
  client.start();
  sockets[0]!.open();
  sockets[0]!.receive(snapshot(5, { n: 5 }));
  sockets[0]!.receive(delta(4, 5, { n: 99 }));
  assert.deepEqual(client.state.view?.data, { n: 5 });
  sockets[0]!.receive(delta(7, 8, { n: 8 }));
  assert.deepEqual(sockets[0]!.sent.at(-1), {
    type: "subscribe",
    topic: "pnl",
    since: 5,
    epoch: "epoch-1",
  });
  assert.equal(client.state.view?.seq, 5);
  client.close();
});

Deno.test("StreamClient reconnects with jittered backoff and resumes from its last position", async () => {
  const { clock, sockets, client } = setup();
  client.start();
  sockets[0]!.open();
  sockets[0]!.receive(snapshot(2, { n: 2 }));
  sockets[0]!.drop();
  assert.equal(client.state.status, "reconnecting");
  assert.equal(sockets.length, 1);
  await clock.advance(500); // the first ceiling
  assert.equal(sockets.length, 2);
  sockets[1]!.open();
  assert.deepEqual(sockets[1]!.sent[0], {
    type: "subscribe",
    topic: "pnl",
    since: 2,
    epoch: "epoch-1",
  });
  client.close();
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("StreamClient declares a silent connection dead and a slow open failed", async () => {
  const { clock, sockets, client } = setup();
  client.start();
  await clock.advance(5_000); // never opened
  assert.equal(sockets[0]!.closed, 4000);
  await clock.advance(1_000);
  sockets[1]!.open();
  sockets[1]!.receive(snapshot(1, {}));
  await clock.advance(35_000); // no message, not even a heartbeat
  assert.equal(sockets[1]!.closed, 4000);
  assert.equal(client.state.status, "reconnecting");
  client.close();
});

Deno.test("StreamClient measures latency from the message ts", () => {
  const { clock, sockets, client } = setup();
  client.start();
  sockets[0]!.open();
  void clock;
  sockets[0]!.receive({ ...snapshot(1, {}), ts: "2026-11-28T12:59:59.958Z" });
  assert.equal(client.state.latencyMs, 42);
  client.close();
});
