/**
 * The HTTP listener, kept alive: `Deno.serve` on the configured address,
 * and when its accept loop dies (out of file descriptors under a flood of
 * connections, for example), a clear error in the log and the same port
 * served again once it can be, instead of a process that lives on with
 * its port closed. Only when the port cannot be served again for the
 * whole retry window does `finished` reject, and main.ts exits non-zero
 * so a supervisor restarts it.
 */
import type { Logger } from "@/lib/log.ts";

/** Options for {@linkcode listen}. */
export interface ListenOptions {
  /** The address to bind. */
  hostname: string;
  /** The port; `0` picks a free one (kept for every re-listen). */
  port: number;
  /** Answers every request. */
  handler: (
    request: Request,
    info: Deno.ServeHandlerInfo,
  ) => Response | Promise<Response>;
  /** Where failures and recoveries are logged. */
  log: Logger;
  /**
   * Share the port with other processes (`PULSE_WORKERS`; Linux balances
   * connections between them).
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * Wait between attempts to serve the port again, ms.
   * @default {1000}
   */
  retryMs?: number;
  /**
   * Attempts before giving up (then `finished` rejects).
   * @default {120}
   */
  maxRetries?: number;
}

/** A listening server. */
export interface Listener {
  /** `http://host:port/`. */
  readonly url: string;
  /** Stops accepting, lets requests in flight finish, resolves when closed. */
  shutdown(): Promise<void>;
  /** Resolves when shut down; rejects when the port could not be kept. */
  readonly finished: Promise<void>;
}

/** The listener could not bind its address at start. */
export class ListenError extends Error {
  /** Creates the error. */
  constructor(hostname: string, port: number, cause: unknown) {
    const why = cause instanceof Deno.errors.AddrInUse
      ? "the address is in use by another process; stop it or set PORT to a free port"
      : cause instanceof Deno.errors.PermissionDenied
      ? "permission denied (ports below 1024 need privileges); set PORT above 1023"
      : cause instanceof Deno.errors.AddrNotAvailable
      ? "no such address on this machine; set HOST to one of its addresses"
      : `${cause instanceof Error ? cause.message : String(cause)}`;
    super(`Cannot listen on ${hostname}:${port}: ${why}`, { cause });
    this.name = "ListenError";
  }
}

/**
 * Starts serving and keeps the port served (see the module text).
 *
 * @param options Address, handler, log and retry bounds.
 * @returns The listener, once it listens.
 * @throws {ListenError} When the address cannot be bound at start.
 */
export async function listen(options: ListenOptions): Promise<Listener> {
  const { hostname, handler, log, retryMs = 1_000, maxRetries = 120 } = options;
  let server: Deno.HttpServer;
  let port = options.port;
  let stopping = false;
  const { promise: finished, resolve, reject } = Promise.withResolvers<void>();

  const start = (): Promise<string> => {
    const listening = Promise.withResolvers<string>();
    server = Deno.serve({
      hostname,
      port,
      reusePort: options.reusePort ?? false,
      onListen(address) {
        port = address.port;
        const host = address.hostname.includes(":")
          ? `[${address.hostname}]`
          : address.hostname;
        listening.resolve(`http://${host}:${address.port}/`);
      },
    }, handler);
    server.finished.then(
      () => {
        if (stopping) resolve();
      },
      (error) => void recover(error),
    );
    return listening.promise;
  };

  const recover = async (error: unknown) => {
    if (stopping) return resolve();
    log.error("the listener failed; serving the port again", {
      error,
      hint: (error as Error)?.message?.includes("Too many open files")
        ? "out of file descriptors: raise `ulimit -n` (docs/operations.md)"
        : undefined,
    });
    for (let attempt = 1; attempt <= maxRetries && !stopping; attempt++) {
      await new Promise((r) => setTimeout(r, retryMs));
      if (stopping) break;
      try {
        await start();
        log.info("listening again", { port, attempt });
        return;
      } catch (retryError) {
        if (attempt === maxRetries) {
          reject(
            new Error(
              `The listener on ${hostname}:${port} failed and could not be restarted in ${maxRetries} attempts: ${
                (retryError as Error)?.message ?? retryError
              }`,
              { cause: error },
            ),
          );
          return;
        }
      }
    }
    if (stopping) resolve();
  };

  let url: string;
  try {
    url = await start();
  } catch (error) {
    throw new ListenError(hostname, port, error);
  }
  return {
    url,
    finished,
    async shutdown() {
      stopping = true;
      await server.shutdown().catch(() => {});
      resolve();
    },
  };
}

/**
 * The process's soft limit of open files: from `/proc/self/limits` where
 * Deno lets it be read (`--allow-all`), else from `ulimit -Sn` in a shell
 * (children inherit the limit; `deno task start` may start processes);
 * `undefined` when neither can tell. Every connection holds one descriptor.
 */
export async function openFilesLimit(): Promise<number | undefined> {
  const fromProc = await Deno.readTextFile("/proc/self/limits").then(
    (text) => /^Max open files\s+(\d+)/m.exec(text)?.[1],
    () => undefined,
  );
  if (fromProc !== undefined) return Number(fromProc);
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", "ulimit -Sn"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined; // no shell, or no permission to start one
  }
}
