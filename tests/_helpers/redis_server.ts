/**
 * A real `redis-server` of the test's own, on a free loopback port, with
 * persistence off; no test relies on a Redis someone else started.
 */

/** A running redis-server. */
export interface TestRedis extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Its port. */
  port: number;
  /** Stops it (SIGKILL by default, as a crash would). */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<TestRedis>;
  /** Empties it (`FLUSHALL`) while it runs, as an operator's mistake would. */
  flushAll(): Promise<void>;
  /**
   * Freezes it (SIGSTOP) or thaws it (SIGCONT): connections stay open and
   * nothing answers, as with a Redis that hangs.
   */
  freeze(frozen: boolean): void;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(16);
      const n = await conn.read(buf);
      conn.close();
      if (
        n && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG")
      ) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts redis-server on a free port (or the given one). */
export async function startRedis(port = freePort()): Promise<TestRedis> {
  const child = new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  await waitForPort(port, 10_000);
  let stopped: Promise<void> | undefined;
  const stop = (signal: Deno.Signal = "SIGKILL") =>
    stopped ??= (async () => {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
      await child.status;
    })();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    freeze(frozen: boolean) {
      child.kill(frozen ? "SIGSTOP" : "SIGCONT");
    },
    async restart() {
      await stop();
      return await startRedis(port);
    },
    async flushAll() {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(new TextEncoder().encode("FLUSHALL\r\n"));
        const buf = new Uint8Array(16);
        const n = await conn.read(buf);
        const reply = new TextDecoder().decode(buf.subarray(0, n ?? 0));
        if (!reply.startsWith("+OK")) throw new Error(`FLUSHALL: ${reply}`);
      } finally {
        conn.close();
      }
    },
    [Symbol.asyncDispose]: () => stop(),
  };
}
