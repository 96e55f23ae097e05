/**
 * The listener fails loudly or heals: a busy port refuses the start with
 * a clear message and exit code 1, and a flood that exhausts the file
 * descriptors (a lowered `ulimit -n` in a child process) is logged and the
 * port is served again once the flood ends, instead of a live process
 * whose port stays closed.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";

async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("a busy port: the start is refused with a clear message and exit code 1", async () => {
  using held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const error = await startServerProcess({
    env: { PORT: String(held.addr.port) },
    startTimeoutMs: 15_000,
  }).then(async (server) => {
    await server.stop();
    return undefined;
  }, (e: Error) => e);
  assert.ok(error, "the server must not start");
  assert.match(error.message, /server exited with 1/);
  assert.match(
    error.message,
    new RegExp(
      `Cannot listen on 127\\.0\\.0\\.1:${held.addr.port}: the address is in use`,
    ),
  );
});

Deno.test("out of file descriptors: the listener failure is logged and the port is served again after the flood", async () => {
  await using server = await startServerProcess({ openFilesLimit: 96 });
  const { hostname, port } = new URL(server.url);
  const flood: Deno.TcpConn[] = [];
  try {
    // Half-sent requests, bounded in count: far more than the limit allows.
    for (let i = 0; i < 200; i++) {
      try {
        const conn = await Deno.connect({ hostname, port: Number(port) });
        flood.push(conn);
        await conn.write(
          new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n"),
        );
      } catch {
        break; // refused: the listener is down
      }
    }
    await eventually(
      () =>
        Promise.resolve(
          server.lines.some((l) => l.includes("the listener failed"))
            ? true
            : undefined,
        ),
      "the failure in the log",
    );
    assert.ok(
      server.lines.some((l) => l.includes("raise `ulimit -n`")),
      "the log says what to do",
    );
  } finally {
    for (const conn of flood) {
      try {
        conn.close();
      } catch {
        // Closed by the server.
      }
    }
  }
  const health = await eventually(async () => {
    const response = await fetch(new URL("api/health", server.url));
    return response.ok ? await response.json() : undefined;
  }, "the port to answer again");
  assert.equal(health.limits.openFiles, 96, "health reports the limit");
  // The log line may reach the reader of the server's output after the
  // health answer does.
  await eventually(
    () =>
      Promise.resolve(
        server.lines.some((l) => l.includes('"listening again"'))
          ? true
          : undefined,
      ),
    "the recovery in the log",
    10_000,
  );
});

Deno.test("the connection cap keeps streams from using up the descriptors: past it a stream gets 503, and the server keeps answering", async () => {
  // 200 files: a cap of 80 % less 100 = 60 connections.
  await using server = await startServerProcess({ openFilesLimit: 200 });
  const health = await (await fetch(new URL("api/health", server.url))).json();
  assert.equal(health.limits.openFiles, 200);
  const url = new URL("api/sse?topic=pnl", server.url);
  const open: Response[] = [];
  const statuses: number[] = [];
  try {
    for (let i = 0; i < 70; i++) {
      const res = await fetch(url);
      statuses.push(res.status);
      if (res.ok) open.push(res);
      else await res.body?.cancel();
    }
    assert.equal(statuses.filter((s) => s === 200).length, 60);
    assert.ok(statuses.slice(60).every((s) => s === 503), String(statuses));
    const plain = await fetch(new URL("api/snapshot?topic=pnl", server.url));
    assert.equal(plain.status, 200, "plain requests still answered");
    await plain.body?.cancel();
  } finally {
    await Promise.all(open.map((r) => r.body?.cancel()));
  }
  // Closed streams free their slots.
  const after = await eventually(async () => {
    const res = await fetch(url);
    if (res.ok) return res;
    await res.body?.cancel();
    return undefined;
  }, "a slot to free up");
  await after.body?.cancel();
});
