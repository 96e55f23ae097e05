/**
 * Shutdown closes connections in waves over PULSE_DRAIN_MS, not all at
 * once, and every client resumes on another instance without a gap.
 */
import assert from "node:assert/strict";
import { startRedis } from "../_helpers/redis_server.ts";
import {
  type ServerProcess,
  startServerProcess,
} from "../_helpers/server_process.ts";
import {
  openRecordingSocket,
  type RecordingSocket,
} from "../_helpers/ws_client.ts";

const CLIENTS = 40;
const DRAIN_MS = 2_000;

type Positioned = { type: string; seq: number; epoch: string; base?: number };

function wsUrl(server: ServerProcess, query = ""): string {
  return new URL(`api/ws${query}`, server.url).href.replace(/^http/, "ws");
}

function stateMessages(socket: RecordingSocket): Positioned[] {
  return (socket.messages as unknown as Positioned[]).filter((m) =>
    m.type === "delta" || m.type === "snapshot"
  );
}

Deno.test("shutdown closes clients spread over PULSE_DRAIN_MS with 1001, and each resumes on another instance without a gap", async () => {
  await using redis = await startRedis();
  const env = {
    REDIS_URL: redis.url,
    PULSE_SIM_INTERVAL_MS: "100",
    PULSE_BATCH_MS: "20",
    PULSE_LEASE_MS: "600",
    PULSE_DRAIN_MS: String(DRAIN_MS),
  };
  await using a = await startServerProcess({ env });
  await using b = await startServerProcess({ env });
  const sockets: RecordingSocket[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) {
      sockets.push(await openRecordingSocket(wsUrl(a, "?topic=pnl")));
    }
    await Promise.all(
      sockets.map((s) => s.waitFor(() => stateMessages(s).length >= 3)),
    );
    const closedAt: number[] = [];
    const codes: number[] = [];
    const closes = sockets.map((s) =>
      s.closed.then((event) => {
        closedAt.push(performance.now());
        codes.push(event.code);
      })
    );
    const started = performance.now();
    const exit = a.stop("SIGTERM");
    await Promise.all(closes);
    assert.equal(await exit, 0);

    assert.deepEqual(new Set(codes), new Set([1001]));
    const first = Math.min(...closedAt) - started;
    const spread = Math.max(...closedAt) - Math.min(...closedAt);
    // Twenty waves over 2 s: the last wave about 1.9 s after the first.
    assert.ok(
      spread >= DRAIN_MS * 0.6,
      `closes spread over ${
        spread.toFixed(0)
      } ms, expected most of ${DRAIN_MS}`,
    );
    assert.ok(first < DRAIN_MS, `first close after ${first.toFixed(0)} ms`);
    const waves = new Set(
      closedAt.map((t) => Math.floor((t - started) / (DRAIN_MS / 20))),
    );
    assert.ok(waves.size >= 8, `closes fell in ${waves.size} time slots`);

    // Each client resumes on the other instance from its last position.
    for (const s of sockets) {
      const last = stateMessages(s).at(-1)!;
      await using resumed = await openRecordingSocket(
        wsUrl(b, `?topic=pnl&since=${last.seq}&epoch=${last.epoch}`),
      );
      await resumed.waitFor(() => stateMessages(resumed).length >= 2);
      let seq = last.seq;
      for (const m of stateMessages(resumed)) {
        assert.equal(m.type, "delta", "a resume must not need a snapshot");
        assert.equal(m.base, seq, `delta ${m.seq} does not follow ${seq}`);
        seq = m.seq;
      }
    }
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
});
