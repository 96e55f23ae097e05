/**
 * Three real server processes on one real redis-server behave as one
 * server: one epoch and seq, one instance polling upstream, takeover when
 * the leader is killed, a new epoch when Redis comes back empty, and no
 * stickiness needed for SSE and long-polling.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { counterAndShopSources } from "../_helpers/cluster_sources.ts";
import { startRedis } from "../_helpers/redis_server.ts";
import {
  type ServerProcess,
  startServerProcess,
} from "../_helpers/server_process.ts";
import { serveMock } from "../_helpers/upstreams/mod.ts";
import { openRecordingSocket } from "../_helpers/ws_client.ts";
import { createRedisClient } from "@/lib/redis/mod.ts";
import { signWebhook } from "@/lib/security/mod.ts";

type Envelope = Record<string, unknown> & {
  type: string;
  seq: number;
  epoch: string;
  base?: number;
};

const INTERVAL_MS = 200;

async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function health(server: ServerProcess) {
  const response = await fetch(new URL("api/health", server.url));
  return await response.json();
}

function wsUrl(server: ServerProcess): string {
  return new URL("api/ws", server.url).href.replace(/^http/, "ws");
}

/** Every delta applies on the one before: no gap, no duplicate. */
function assertContinuous(messages: Envelope[], label: string) {
  let seq: number | undefined;
  for (const m of messages) {
    if (m.type === "snapshot") seq = m.seq;
    else if (m.type === "delta") {
      assert.equal(
        m.base,
        seq,
        `${label}: delta ${m.seq} does not follow ${seq}`,
      );
      seq = m.seq;
    }
  }
}

Deno.test("scale-out: three instances on one Redis act as one server", async (t) => {
  await using redis = await startRedis();
  // An upstream whose figure moves on every request, counting requests.
  let hits = 0;
  await using upstream = serveMock(() => Response.json({ total: ++hits }));
  const file = await counterAndShopSources(upstream.url, INTERVAL_MS);
  const env = {
    REDIS_URL: redis.url,
    PULSE_CONFIG: file,
    PULSE_BATCH_MS: "20",
    PULSE_LEASE_MS: "600",
    SHOP_SECRET: "whsec_cluster",
  };
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) servers.push(await startServerProcess({ env }));
    const leaderOf = async () => {
      for (const s of servers) {
        try {
          if ((await health(s)).leader === true) return s;
        } catch {
          // A killed instance.
        }
      }
      return undefined;
    };
    let leader = await eventually(leaderOf, "a leader");
    const followers = () => servers.filter((s) => s !== leader);
    const leaderGauge = async (s: ServerProcess) =>
      /^pulse_leader (\d)/m.exec(
        await (await fetch(new URL("metrics", s.url))).text(),
      )?.[1];
    assert.equal(await leaderGauge(leader), "1");
    for (const f of followers()) assert.equal(await leaderGauge(f), "0");

    await t.step(
      "clients on two followers see the leader's deltas with identical epoch and seq",
      async () => {
        const [b, c] = followers();
        await using onB = await openRecordingSocket(wsUrl(b!));
        await using onC = await openRecordingSocket(wsUrl(c!));
        for (const ws of [onB, onC]) {
          ws.send('{"type":"subscribe","topic":"pnl"}');
        }
        const deltas = (ws: typeof onB) =>
          (ws.messages as unknown as Envelope[]).filter((m) =>
            m.type === "delta"
          );
        await onB.waitFor(() => deltas(onB).length >= 5);
        const last = deltas(onB).at(-1)!;
        await onC.waitFor(() => deltas(onC).some((m) => m.seq === last.seq));
        const onCBySeq = new Map(
          deltas(onC).map((m) => [m.seq, JSON.stringify(m)]),
        );
        for (const m of deltas(onB)) {
          if (onCBySeq.has(m.seq)) {
            assert.equal(onCBySeq.get(m.seq), JSON.stringify(m));
          }
        }
        assert.equal(last.epoch, deltas(onC).at(-1)!.epoch);
        assertContinuous(onB.messages as unknown as Envelope[], "B");
        assertContinuous(onC.messages as unknown as Envelope[], "C");
      },
    );

    await t.step(
      "a webhook delivered to a follower reaches the leader's P&L at once, counted once across instances",
      async () => {
        const body = '{"id":"evt_c1","amountMinor":4200}';
        const send = async (s: ServerProcess) => {
          const response = await fetch(new URL("api/ingest/shop", s.url), {
            method: "POST",
            body,
            headers: {
              "pulse-signature": await signWebhook(
                "whsec_cluster",
                Math.floor(Date.now() / 1000),
                new TextEncoder().encode(body),
              ),
            },
          });
          return await response.json();
        };
        const [b, c] = followers();
        assert.equal((await send(b!)).duplicate, false);
        assert.equal(
          (await send(c!)).duplicate,
          true,
          "the redelivery to another instance is known",
        );
        // The webhook source polls once a minute: only the notice can show it now.
        await eventually(
          async () => {
            const snap =
              await (await fetch(new URL("api/snapshot?topic=pnl", c!.url)))
                .json();
            return snap.data.periods.today.sources.shop?.amountMinor === 4200
              ? true
              : undefined;
          },
          "the delivery in the P&L",
          5_000,
        );
      },
    );

    await t.step(
      "the upstream sees the request rate of one instance",
      async () => {
        const before = hits;
        await new Promise((r) => setTimeout(r, 3_000));
        const perSecond = (hits - before) / 3;
        // One poller: at most 1000 / INTERVAL_MS a second (less with jitter
        // and the read time); three would be three times that.
        assert.ok(
          perSecond <= 1000 / INTERVAL_MS + 0.5,
          `${perSecond} requests/s`,
        );
        assert.ok(
          perSecond >= 1000 / INTERVAL_MS / 2,
          `${perSecond} requests/s`,
        );
      },
    );

    await t.step(
      "SIGKILL the leader: another takes over in time, seq continues, and its client resumes elsewhere with no gap and no snapshot",
      async () => {
        const ws = await openRecordingSocket(wsUrl(leader));
        ws.send('{"type":"subscribe","topic":"pnl"}');
        await ws.waitFor((ms) =>
          ms.filter((m) => m.type === "delta").length >= 3
        );
        const killedAt = Date.now();
        const dead = leader;
        await dead.stop("SIGKILL");
        await ws.closed;
        servers.splice(servers.indexOf(dead), 1);
        const held = ws.messages as unknown as Envelope[];
        const position = held.filter((m) =>
          m.type === "snapshot" || m.type === "delta"
        ).at(-1)!;
        leader = await eventually(leaderOf, "a new leader", 5_000);
        const takeoverMs = Date.now() - killedAt;
        assert.ok(
          takeoverMs < 600 * 2 + 1_000,
          `took over after ${takeoverMs} ms`,
        );
        await using again = await openRecordingSocket(wsUrl(followers()[0]!));
        again.send(
          JSON.stringify({
            type: "subscribe",
            topic: "pnl",
            since: position.seq,
            epoch: position.epoch,
          }),
        );
        await again.waitFor((ms) =>
          ms.filter((m) => m.type === "delta").length >= 3
        );
        const resumed = again.messages as unknown as Envelope[];
        assert.equal(
          resumed.some((m) => m.type === "snapshot"),
          false,
          "resumed, not resynced",
        );
        // The held position stands for a snapshot at that seq.
        assertContinuous(
          [{ ...position, type: "snapshot" }, ...resumed],
          "after failover",
        );
        assert.equal(
          resumed.find((m) => m.type === "delta")?.base,
          position.seq,
        );
      },
    );

    await t.step(
      "long-poll and SSE spread round-robin over the instances see no gap",
      async () => {
        let cursor: { epoch: string; seq: number } | undefined;
        const seen: Envelope[] = [];
        for (let i = 0; i < 12; i++) {
          const s = servers[i % servers.length]!;
          const q = cursor ? `&since=${cursor.seq}&epoch=${cursor.epoch}` : "";
          const response = await fetch(
            new URL(`api/poll?topic=pnl&timeout=5${q}`, s.url),
          );
          const body = await response.json();
          seen.push(...body.messages);
          cursor = body.cursor;
        }
        assert.equal(
          seen.filter((m) => m.type === "snapshot").length,
          1,
          "one snapshot, at the start",
        );
        assertContinuous(seen, "long-poll");
        assert.ok(seen.filter((m) => m.type === "delta").length >= 5);
        // SSE: reconnect to the next instance with Last-Event-ID each time.
        let lastId = `${cursor!.epoch}:${cursor!.seq}`;
        const sse: Envelope[] = [{
          type: "snapshot",
          seq: cursor!.seq,
          epoch: cursor!.epoch,
        }];
        for (let i = 0; i < 4; i++) {
          const s = servers[i % servers.length]!;
          const controller = new AbortController();
          const response = await fetch(new URL("api/sse?topic=pnl", s.url), {
            headers: { "last-event-id": lastId },
            signal: controller.signal,
          });
          const reader = response.body!.pipeThrough(new TextDecoderStream())
            .getReader();
          let buffer = "";
          let events = 0;
          while (events < 3) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let at: number;
            while ((at = buffer.indexOf("\n\n")) >= 0) {
              const frame = buffer.slice(0, at);
              buffer = buffer.slice(at + 2);
              const id = /^id: (.*)$/m.exec(frame)?.[1];
              const data = /^data: (.*)$/m.exec(frame)?.[1];
              if (!data) continue;
              const m = JSON.parse(data) as Envelope;
              if (m.type !== "delta" && m.type !== "snapshot") continue;
              sse.push(m);
              if (id) lastId = id;
              events++;
            }
          }
          controller.abort();
          await reader.cancel().catch(() => {});
        }
        assert.equal(sse.filter((m) => m.type === "snapshot").length, 1);
        assertContinuous(sse, "SSE");
      },
    );

    await t.step(
      "Redis restarted empty: the epoch changes, clients resync with a snapshot, publishing resumes",
      async () => {
        await using ws = await openRecordingSocket(wsUrl(servers[0]!));
        ws.send('{"type":"subscribe","topic":"pnl"}');
        await ws.waitFor((ms) => ms.some((m) => m.type === "delta"));
        const oldEpoch = (ws.messages as unknown as Envelope[])[0]!.epoch;
        await redis.stop();
        // Redis lost: every instance keeps serving what it has, and says so.
        for (const s of servers) {
          const h = await eventually(async () => {
            const h = await health(s);
            return h.redis?.up === false ? h : undefined;
          }, "health to report Redis down");
          assert.equal(h.status, "degraded");
          const snap = await fetch(new URL("api/snapshot?topic=pnl", s.url));
          assert.equal(snap.status, 200);
          await snap.body?.cancel();
        }
        const metrics = await (await fetch(new URL("metrics", servers[0]!.url)))
          .text();
        assert.match(metrics, /^pulse_redis_up 0$/m);
        assert.equal(ws.messages.some((m) => m.type === "error"), false);
        await redis.restart();
        await ws.waitFor(
          (ms) =>
            (ms as unknown as Envelope[]).some((m) =>
              m.type === "snapshot" && m.epoch !== oldEpoch
            ),
          15_000,
        );
        const snapshotAt = (ws.messages as unknown as Envelope[]).findIndex((
          m,
        ) => m.type === "snapshot" && m.epoch !== oldEpoch);
        await ws.waitFor(
          (ms) =>
            (ms as unknown as Envelope[]).slice(snapshotAt).some((m) =>
              m.type === "delta"
            ),
          15_000,
        );
        const after = (ws.messages as unknown as Envelope[]).slice(snapshotAt);
        assertContinuous(after, "after Redis restart");
        const epochs = await Promise.all(
          servers.map(async (s) => (await health(s)).topics?.pnl?.epoch),
        );
        assert.equal(
          new Set(epochs).size,
          1,
          `one epoch everywhere: ${epochs}`,
        );
      },
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));

    await Deno.remove(dirname(file), { recursive: true });
  }
});

Deno.test("scale-out: an instance started while Redis is down serves at once, then leads and shares its epoch when Redis comes up", async () => {
  const redis = await startRedis();
  await redis.stop();
  // The default simulator publishes every second.
  await using server = await startServerProcess({
    env: { REDIS_URL: redis.url, PULSE_LEASE_MS: "600" },
  });
  const down = await health(server);
  assert.equal(down.redis?.up, false);
  const snap = await fetch(new URL("api/snapshot?topic=pnl", server.url));
  assert.equal(snap.status, 200);
  await snap.body?.cancel();

  await using again = await startRedis(redis.port);
  await eventually(
    async () => {
      const h = await health(server);
      return h.redis?.up === true && h.leader === true ? h : undefined;
    },
    "the instance to reach Redis and lead",
    15_000,
  );
  await using ws = await openRecordingSocket(wsUrl(server));
  ws.send('{"type":"subscribe","topic":"pnl"}');
  await ws.waitFor((ms) => ms.some((m) => m.type === "delta"), 10_000);
  const epoch = (ws.messages as unknown as Envelope[])[0]!.epoch;
  const client = await createRedisClient(again.url);
  await client.connect();
  try {
    assert.equal(await client.get("pulse:epoch"), epoch);
  } finally {
    client.destroy();
  }
});
