/**
 * StreamClient in Deno against the real server, through a proxy that
 * blocks transports the way real networks do.
 */
import assert from "node:assert/strict";
import { type ClientState, StreamClient } from "@/lib/client/mod.ts";
import { startProxy } from "../_helpers/proxy.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const FAST = {
  PULSE_SIM_INTERVAL_MS: "100",
  PULSE_BATCH_MS: "10",
  PULSE_HEARTBEAT_MS: "500",
};

async function until(
  client: StreamClient,
  ok: (s: ClientState) => boolean,
  timeoutMs = 15_000,
): Promise<ClientState> {
  const deadline = Date.now() + timeoutMs;
  while (!ok(client.state)) {
    if (Date.now() > deadline) {
      throw new Error(
        `client state not reached: ${
          JSON.stringify({ ...client.state, view: client.state.view?.seq })
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return client.state;
}

function makeClient(
  baseUrl: string,
  options: Partial<ConstructorParameters<typeof StreamClient>[0]> = {},
) {
  return new StreamClient({
    baseUrl,
    connectTimeoutMs: 1_500,
    livenessMs: 1_500,
    probeIntervalMs: 1_000,
    backoff: { minMs: 50, maxMs: 200 },
    ...options,
  });
}

Deno.test("StreamClient falls back to SSE when upgrades are stripped, keeps updating, and moves back up to WebSocket", async () => {
  await using server = await startServerProcess({ env: FAST });
  await using proxy = await startProxy(server.url, { blockUpgrade: true });
  using client = makeClient(proxy.url);
  client.start();
  const degraded = await until(
    client,
    (s) => s.transport === "sse" && s.status === "live",
  );
  assert.match(degraded.fallbackReason!, /WebSocket/);
  const seq = degraded.view!.seq;
  await until(client, (s) => s.view!.seq > seq + 3);
  proxy.mode.blockUpgrade = false;
  await until(client, (s) => s.transport === "ws" && s.status === "live");
  const before = client.state.view!.seq;
  await until(client, (s) => s.view!.seq > before + 3);
  assert.equal(client.state.resyncs, 0, "no snapshot was needed on the way");
});

Deno.test("StreamClient reaches long-poll when SSE is blocked too, or buffered by a proxy", async () => {
  await using server = await startServerProcess({ env: FAST });
  for (const mode of [{ blockSse: true }, { bufferSse: true }]) {
    await using proxy = await startProxy(server.url, {
      blockUpgrade: true,
      ...mode,
    });
    using client = makeClient(proxy.url, { probeIntervalMs: 60_000 });
    client.start();
    const s = await until(
      client,
      (s) => s.transport === "poll" && s.status === "live",
    );
    assert.match(
      s.fallbackReason!,
      mode.bufferSse ? /silent/ : /Server-Sent Events/,
    );
    const seq = s.view!.seq;
    await until(client, (s) => s.view!.seq > seq + 3);
    client.close();
  }
});

Deno.test("StreamClient recovers across a server restart: it takes one snapshot of the new epoch and carries on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = {
      ...FAST,
      PULSE_DB: `${dir}/p.db`,
      PULSE_RECONNECT_BASE_MS: "100",
      PULSE_RECONNECT_SPREAD_MS: "100",
    };
    const first = await startServerProcess({ env });
    const port = new URL(first.url).port;
    using client = makeClient(first.url);
    client.start();
    await until(client, (s) => s.status === "live" && s.view!.seq > 3);
    const epoch = client.state.view!.epoch;
    await first.stop("SIGTERM");
    await until(client, (s) => s.status === "reconnecting");
    await using second = await startServerProcess({
      env: { ...env, PORT: port },
    });
    const back = await until(
      client,
      (s) => s.status === "live" && s.view!.epoch !== epoch,
    );
    assert.equal(back.resyncs, 1);
    const snapshot = await (await fetch(new URL("/api/snapshot", second.url)))
      .json();
    await until(client, (s) => s.view!.seq >= snapshot.seq);
    assert.equal(client.state.view!.epoch, snapshot.epoch);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
