/**
 * The workers' heartbeats on this platform: the supervisor listens on a
 * Unix socket in a private temporary folder (mode 700) and each worker
 * writes `<index> <pid> <token>` on it every second, so a worker that
 * stops (SIGSTOP) or whose event loop is blocked goes silent and
 * `lib/workers`' WorkerSupervisor replaces it. The token is the one the
 * supervisor gave that start of that worker, so another local process
 * cannot beat for a hung worker.
 */
import { readLines } from "@/lib/cluster/mod.ts";
import type { RootLogger } from "@/lib/log.ts";

/** The variable that gives a worker the heartbeat socket's path. */
export const HEARTBEAT_VARIABLE = "PULSE_WORKER_HEARTBEAT";
/** The variable that gives a worker its heartbeat token. */
export const HEARTBEAT_TOKEN_VARIABLE = "PULSE_WORKER_TOKEN";

/**
 * Listens for heartbeats until disposed.
 *
 * @param onBeat Told each beat whose token `tokenOf(index)` gave.
 * @param tokenOf The token of worker `index`'s current process.
 * @returns The socket's path, to hand to the workers.
 */
export async function serveHeartbeats(
  onBeat: (index: number, pid: number) => void,
  tokenOf: (index: number) => string | undefined,
  log: RootLogger,
): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "pulseboard-beat-" });
  await Deno.chmod(dir, 0o700);
  const path = `${dir}/beat.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const connections = new Set<Deno.Conn>();
  const take = async (conn: Deno.Conn) => {
    connections.add(conn);
    try {
      await readLines(conn.readable, (line) => {
        const [index, pid, token] = line.split(" ");
        const slot = Number(index);
        if (token !== undefined && token === tokenOf(slot)) {
          onBeat(slot, Number(pid));
        }
      });
    } catch {
      // The worker went away: its silence is the news.
    } finally {
      connections.delete(conn);
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) void take(conn);
    } catch (error) {
      log.warn("heartbeat socket closed", { error });
    }
  })();
  return {
    path,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of connections) {
        try {
          conn.close();
        } catch {
          // Closed already.
        }
      }
      await accepting;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Beats every `everyMs` on the supervisor's socket until disposed; a lost
 * connection is made again at the next beat. A beat is written only when
 * the event loop turns, which is the point.
 */
export function sendHeartbeats(
  options: { path: string; index: number; token: string; everyMs?: number },
): Disposable {
  const { path, index, token, everyMs = 1_000 } = options;
  const line = new TextEncoder().encode(`${index} ${Deno.pid} ${token}\n`);
  let conn: Deno.Conn | undefined;
  let busy = false;
  const beat = async () => {
    if (busy) return;
    busy = true;
    try {
      conn ??= await Deno.connect({ transport: "unix", path });
      await conn.write(line);
    } catch {
      try {
        conn?.close();
      } catch {
        // Closed already.
      }
      conn = undefined;
    } finally {
      busy = false;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), everyMs);
  return {
    [Symbol.dispose]() {
      clearInterval(timer);
      try {
        conn?.close();
      } catch {
        // Closed already.
      }
    },
  };
}
