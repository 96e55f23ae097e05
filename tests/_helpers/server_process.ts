/**
 * Starts the real server (`main.ts`) as a child process on 127.0.0.1 port 0
 * and reads the URL it logs. Used by integration and browser tests.
 */
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The permission flags a task in deno.json gives `script`: the flags
 * between `deno run` and the script, in the task's command that runs it.
 * Tests start the server exactly as `deno task start` does, so a setting
 * that needs a permission the task lacks fails in the tests too.
 *
 * @throws {Error} When no command of the task runs `script`.
 */
export function taskFlags(task: string, script: string): string[] {
  const config = JSON.parse(
    Deno.readTextFileSync(`${ROOT}/deno.json`),
  ) as { tasks: Record<string, string> };
  const line = config.tasks[task] ?? "";
  for (const command of line.split("&&")) {
    const words = command.trim().split(/\s+/);
    const at = words.indexOf(script);
    if (words[0] === "deno" && words[1] === "run" && at > 1) {
      return words.slice(2, at);
    }
  }
  throw new Error(`deno.json task "${task}" does not run ${script}: ${line}`);
}

/** The flags of `deno task start` for `main.ts`. */
export const START_FLAGS: readonly string[] = taskFlags("start", "main.ts");

/** Options for {@linkcode startServerProcess}. */
export interface ServerProcessOptions {
  /** Extra environment; `PORT=0` and `PULSE_DB=:memory:` unless given. */
  env?: Record<string, string>;
  /** Folder holding `main.ts`; the repository root by default. */
  cwd?: string;
  /** Deno permission flags; `deno task start`'s by default. */
  permissions?: string[];
  /** Milliseconds to wait for the "listening" line. */
  startTimeoutMs?: number;
  /** A lowered soft limit of open files for the child (`ulimit -n`). */
  openFilesLimit?: number;
}

/** A running server process. */
export interface ServerProcess extends AsyncDisposable {
  /** The base URL, such as `http://127.0.0.1:41234/`. */
  url: string;
  /** The process id (with PULSE_WORKERS, the supervisor's). */
  pid: number;
  /** Every line the server printed so far. */
  lines: string[];
  /** Sends a signal and waits for the process to exit; returns its code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/**
 * Spawns `deno run main.ts` and resolves once it listens.
 *
 * @throws {Error} With the server's output when it exits or stays silent.
 */
export async function startServerProcess(
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const {
    env = {},
    cwd = ROOT,
    permissions = [...START_FLAGS],
    startTimeoutMs = 20_000,
    openFilesLimit,
  } = options;
  const run = [Deno.execPath(), "run", ...permissions, "main.ts"];
  const [command, ...args] = openFilesLimit === undefined ? run : [
    "bash",
    "-c",
    `ulimit -n ${openFilesLimit} && exec "$@"`,
    "bash",
    ...run,
  ];
  const child = new Deno.Command(command!, {
    args,
    cwd,
    env: { PORT: "0", PULSE_DB: ":memory:", NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const lines: string[] = [];
  const { promise: listening, resolve, reject } = Promise.withResolvers<
    string
  >();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        try {
          const record = JSON.parse(line);
          if (record.msg === "listening") resolve(record.url);
        } catch {
          // Not a log line (a stack trace, a warning): kept in `lines`.
        }
      }
    }
    if (buffer) lines.push(buffer);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then((status) => {
    reject(
      new Error(`server exited with ${status.code}:\n${lines.join("\n")}`),
    );
    return status;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () =>
        fail(
          new Error(
            `server did not listen in ${startTimeoutMs} ms:\n${
              lines.join("\n")
            }`,
          ),
        ),
      startTimeoutMs,
    );
  });
  let url: string;
  try {
    url = await Promise.race([listening, timeout]);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await exited;
    await pumps;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  let stopped: Promise<number> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") =>
    stopped ??= (async () => {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
      const status = await exited;
      await pumps;
      return status.code;
    })();
  return {
    url,
    pid: child.pid,
    lines,
    stop,
    async [Symbol.asyncDispose]() {
      await stop("SIGTERM");
    },
  };
}

/** The one of `servers` whose health says it leads, once one does. */
export async function findLeader(
  servers: readonly ServerProcess[],
): Promise<ServerProcess> {
  const { eventually } = await import("./eventually.ts");
  return await eventually(async () => {
    for (const s of servers) {
      const h = await (await fetch(new URL("api/health", s.url))).json();
      if (h.leader === true) return s;
    }
  }, "a leader");
}
