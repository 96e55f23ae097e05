/**
 * PROTOCOL.md's invariant as a randomized test over real sockets: random
 * publishes (seeded), random disconnects, reconnects on a random transport
 * from the last position. Every view a client ever holds must equal the
 * state the server published at that seq, and no seq is skipped without a
 * snapshot.
 */
import assert from "node:assert/strict";
import { applyEnvelope, type TopicView } from "@/lib/client/mod.ts";
import type { JsonObject, ServerEnvelope } from "@/lib/protocol/mod.ts";
import { seededRandom } from "@/lib/time/mod.ts";
import { type LiveApp, serveLiveApp } from "../_helpers/live_app.ts";
import { openSse, type SseRecorder } from "../_helpers/sse_client.ts";

type Transport = "ws" | "sse" | "poll";

class VirtualClient {
  view?: TopicView;
  snapshots = 0;
  applied = 0;
  connections = 0;
  #stop?: () => Promise<void>;

  constructor(readonly name: string, readonly app: LiveApp) {}

  /** Applies one envelope and checks it against the server's record. */
  receive(e: ServerEnvelope): void {
    if (e.type !== "snapshot" && e.type !== "delta") return;
    const { view, outcome } = applyEnvelope(this.view, e);
    assert.notEqual(
      outcome,
      "gap",
      `${this.name}: gap at ${e.type} ${JSON.stringify(e).slice(0, 120)}`,
    );
    if (outcome === "duplicate") return;
    if (outcome === "snapshot") this.snapshots++;
    else this.applied++;
    this.view = view;
    assert.deepEqual(
      view!.data,
      this.app.states.get(view!.seq),
      `${this.name}: state at seq ${view!.seq} differs from what was published`,
    );
  }

  query(): string {
    return this.view ? `&since=${this.view.seq}&epoch=${this.view.epoch}` : "";
  }

  async connect(transport: Transport): Promise<void> {
    await this.disconnect();
    this.connections++;
    if (transport === "ws") {
      const ws = new WebSocket(
        `${this.app.url.replace("http", "ws")}api/ws?topic=pnl${this.query()}`,
      );
      const closed = new Promise<void>((r) => ws.onclose = () => r());
      ws.onmessage = (m) => this.receive(JSON.parse(String(m.data)));
      await new Promise<void>((r, j) => {
        ws.onopen = () => r();
        ws.onerror = () => j(new Error("ws failed"));
      });
      this.#stop = async () => {
        ws.close();
        await closed;
      };
    } else if (transport === "sse") {
      let seen = 0;
      const sse: SseRecorder = await openSse(
        `${this.app.url}api/sse?topic=pnl${this.query()}`,
      );
      const drain = () => {
        for (; seen < sse.events.length; seen++) {
          this.receive(JSON.parse(sse.events[seen]!.data));
        }
      };
      let active = true;
      const loop = (async () => {
        while (active) {
          await sse.waitFor((e) => e.length > seen || !active, 60_000).catch(
            () => {},
          );
          drain();
        }
      })();
      this.#stop = async () => {
        active = false;
        await sse.close();
        drain();
        await loop;
      };
      // Deliveries are checked as they arrive; the waitFor above wakes per event.
      void loop;
    } else {
      const abort = new AbortController();
      const loop = (async () => {
        while (!abort.signal.aborted) {
          try {
            const res = await fetch(
              `${this.app.url}api/poll?topic=pnl${this.query()}&timeout=1`,
              {
                signal: abort.signal,
              },
            );
            const body = await res.json();
            for (const m of body.messages) this.receive(m);
          } catch (error) {
            if (!abort.signal.aborted) throw error;
          }
        }
      })();
      this.#stop = async () => {
        abort.abort();
        await loop;
      };
    }
  }

  async disconnect(): Promise<void> {
    const stop = this.#stop;
    this.#stop = undefined;
    await stop?.();
  }
}

Deno.test("invariant: random publishes, disconnects and transport changes never leave a client with a state other than the published one", async () => {
  const random = seededRandom(20261128);
  // A short history, so clients away for long must fall back to a snapshot.
  await using app = await serveLiveApp({
    initial: { n: 0 },
    batchMs: 3,
    historyCount: 15,
  });
  const transports: Transport[] = ["ws", "sse", "poll"];
  const pick = <T>(list: readonly T[]) =>
    list[Math.floor(random() * list.length)] as T;
  const clients = Array.from(
    { length: 9 },
    (_, i) => new VirtualClient(`c${i}`, app),
  );
  await Promise.all(clients.map((c, i) => c.connect(transports[i % 3]!)));

  let state: JsonObject = { n: 0 };
  for (let step = 0; step < 400; step++) {
    const r = random();
    if (r < 0.6) {
      // A random change: numbers move, members come and go, nested objects change.
      const next: JsonObject = { ...state, n: (state.n as number) + 1 };
      const key = `k${Math.floor(random() * 6)}`;
      if (random() < 0.3) delete next[key];
      else {next[key] = random() < 0.5
          ? Math.floor(random() * 100)
          : { v: Math.floor(random() * 5), w: [1, 2] };}
      state = next;
      app.hub.publish("pnl", state);
    } else if (r < 0.7) {
      await pick(clients).connect(pick(transports));
    } else if (r < 0.75) {
      await pick(clients).disconnect(); // away for a while
    } else {
      await new Promise((res) => setTimeout(res, Math.floor(random() * 8)));
    }
  }
  // Everyone comes back and catches up to the final state.
  for (const c of clients) {
    if (random() < 0.5) await c.connect(pick(transports));
  }
  for (const c of clients) await c.connect(c.connections % 2 ? "ws" : "sse");
  const final = app.hub.position("pnl").seq;
  for (let i = 0; i < 400 && clients.some((c) => c.view?.seq !== final); i++) {
    await new Promise((res) => setTimeout(res, 10));
  }
  for (const c of clients) {
    assert.equal(c.view?.seq, final, `${c.name} reached the final seq`);
    assert.deepEqual(c.view?.data, state);
  }
  const totalSnapshots = clients.reduce((n, c) => n + c.snapshots, 0);
  const totalApplied = clients.reduce((n, c) => n + c.applied, 0);
  assert.ok(
    totalApplied > totalSnapshots * 3,
    `mostly deltas: ${totalApplied} applied, ${totalSnapshots} snapshots`,
  );
  await Promise.all(clients.map((c) => c.disconnect()));
});
