/**
 * The front door of docs/operations.md, run for real: Debian's nginx with
 * docs/nginx/pulseboard.conf in front of the server (its own process,
 * `deno task start`'s permissions). Slow headers and idle connections are
 * cut at nginx; connections past the per-address limit are refused there;
 * the board, SSE (unbuffered), resume, WebSocket and long-poll work
 * through it.
 */
import assert from "node:assert/strict";
import { startNginx } from "../_helpers/nginx.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { openSse } from "../_helpers/sse_client.ts";

/** Resolves with how long until the peer closed `conn`, ms. */
async function closedAfter(conn: Deno.Conn, limitMs: number): Promise<number> {
  const started = performance.now();
  const buffer = new Uint8Array(1024);
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    while ((await conn.read(buffer)) !== null) {
      // An answer (408, say) before the close is fine.
    }
  } catch {
    // Closed by the timer: reported as the limit.
  } finally {
    clearTimeout(timer);
  }
  try {
    conn.close();
  } catch {
    // Closed already.
  }
  return performance.now() - started;
}

Deno.test("nginx front door: slow headers and idle connections are cut at nginx, connections past the per-address limit are refused there, and the board, SSE, resume, WebSocket and long-poll work through it", async (t) => {
  await using server = await startServerProcess({
    env: { PULSE_TRUST_PROXY: "true", PULSE_SIM_INTERVAL_MS: "200" },
  });
  const upstream = new URL(server.url).host;
  await using nginx = await startNginx(upstream, [
    ["client_header_timeout 10s;", "client_header_timeout 2s;"],
    ["limit_conn pulse_conn 100;", "limit_conn pulse_conn 8;"],
  ]);

  await t.step(
    "a request whose headers never finish is cut at the header timeout",
    async () => {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: nginx.port,
      });
      await conn.write(
        new TextEncoder().encode(
          "GET /api/snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        ),
      );
      const ms = await closedAfter(conn, 8_000);
      assert.ok(ms >= 1_500 && ms < 5_000, `cut after ${ms.toFixed(0)} ms`);
    },
  );

  await t.step("a connection that sends nothing is cut too", async () => {
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: nginx.port,
    });
    const ms = await closedAfter(conn, 8_000);
    assert.ok(ms < 5_000, `cut after ${ms.toFixed(0)} ms`);
  });

  await t.step("the board and a snapshot come through", async () => {
    const page = await fetch(nginx.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const snapshot = await fetch(new URL("/api/snapshot?topic=pnl", nginx.url));
    assert.equal(snapshot.status, 200);
    assert.equal((await snapshot.json()).type, "snapshot");
  });

  await t.step(
    "SSE streams unbuffered, and resumes from Last-Event-ID with the missed deltas",
    async () => {
      await using sse = await openSse(
        new URL("/api/sse?topic=pnl", nginx.url).href,
      );
      assert.equal(sse.response.status, 200);
      await sse.waitFor((events) => events.length >= 3, 10_000);
      const kinds = sse.events.map((e) => JSON.parse(e.data).type);
      assert.equal(kinds[0], "snapshot");
      assert.ok(kinds.slice(1).includes("delta"), kinds.join());
      const last = sse.events.at(-1)!.id!;
      await sse.close();
      await using again = await openSse(
        new URL("/api/sse?topic=pnl", nginx.url).href,
        { "last-event-id": last },
      );
      const data = () => again.events.map((e) => JSON.parse(e.data));
      await again.waitFor(
        () => data().some((m) => m.type === "delta" || m.type === "snapshot"),
        10_000,
      );
      // Acknowledged at the position it named (a heartbeat when nothing
      // was missed yet), then the deltas from there: never a snapshot.
      const changes = data().filter((m) => m.type !== "heartbeat");
      assert.equal(changes[0].type, "delta", "a resume, not a fresh snapshot");
      assert.equal(changes[0].base, Number(last.split(":")[1]));
    },
  );

  await t.step(
    "a WebSocket upgrades through it and gets the snapshot",
    async () => {
      const ws = new WebSocket(
        `ws://127.0.0.1:${nginx.port}/api/ws?topic=pnl`,
      );
      const first = await new Promise<{ type: string }>((resolve, reject) => {
        ws.onmessage = (e) => resolve(JSON.parse(e.data));
        ws.onerror = () => reject(new Error("WebSocket failed through nginx"));
      });
      assert.equal(first.type, "snapshot");
      const closed = new Promise((r) => ws.onclose = r);
      ws.close();
      await closed;
    },
  );

  await t.step("a long-poll comes through", async () => {
    const poll = await fetch(new URL("/api/poll?topic=pnl", nginx.url));
    assert.equal(poll.status, 200);
    assert.equal((await poll.json()).messages[0].type, "snapshot");
  });

  await t.step(
    "the ninth connection at once from one address is refused by nginx with 429",
    async () => {
      const held = [];
      for (let i = 0; i < 8; i++) {
        held.push(await openSse(new URL("/api/sse?topic=pnl", nginx.url).href));
      }
      try {
        assert.ok(held.every((s) => s.response.status === 200));
        const ninth = await fetch(
          new URL("/api/snapshot?topic=pnl", nginx.url),
        );
        assert.equal(ninth.status, 429);
        await ninth.body?.cancel();
      } finally {
        for (const s of held) await s.close();
      }
    },
  );
});
