/**
 * `PULSE_WORKERS` on this platform: the supervisor process reserves the
 * port, starts each worker as a copy of its own command line (same Deno,
 * same permission flags, same script) with `PULSE_WORKER_INDEX` set, and
 * keeps them running through `lib/workers`' WorkerSupervisor. Workers
 * listen with `reusePort`, so Linux spreads connections over them.
 * Without Redis, the supervisor also serves `lib/cluster`'s local bus on
 * a Unix socket in a private temporary directory (`PULSE_LOCAL_BUS`).
 */
import { fileURLToPath } from "node:url";
import type { Config } from "@/lib/config.ts";
import { LocalBusServer } from "@/lib/cluster/mod.ts";
import type { RootLogger } from "@/lib/log.ts";
import { randomHex, systemClock } from "@/lib/time/mod.ts";
import { WorkerSupervisor } from "@/lib/workers/mod.ts";
import {
  HEARTBEAT_TOKEN_VARIABLE,
  HEARTBEAT_VARIABLE,
  sendHeartbeats,
  serveHeartbeats,
} from "./worker_heartbeats.ts";

/** The variable that tells a process it is worker N of a supervisor. */
export const WORKER_INDEX_VARIABLE = "PULSE_WORKER_INDEX";
/** The variable that gives a worker the local bus's socket path. */
export const LOCAL_BUS_VARIABLE = "PULSE_LOCAL_BUS";

/**
 * The variables a supervisor sets for its workers: never unknown settings
 * (see `loadBoard`'s `ownVariables`).
 */
export const WORKER_VARIABLES: readonly string[] = [
  WORKER_INDEX_VARIABLE,
  LOCAL_BUS_VARIABLE,
  HEARTBEAT_VARIABLE,
  HEARTBEAT_TOKEN_VARIABLE,
];

/** Options for {@linkcode superviseWorkers}. */
export interface SuperviseOptions {
  /** Extra variables every worker gets (the local bus's address). */
  env?: Record<string, string>;
  /** Resolves when the supervisor should stop (a signal). */
  stop: Promise<void>;
}

/**
 * This process's worker slot, from `PULSE_WORKER_INDEX`; `undefined` in
 * a process that was not started by a supervisor.
 *
 * @param value The variable's value.
 * @returns The slot.
 * @throws {RangeError} When the value is not a slot number.
 */
export function workerSlot(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,2}$/.test(value)) {
    throw new RangeError(
      `${WORKER_INDEX_VARIABLE} is set by the supervisor to a slot number 0-63, received ${
        JSON.stringify(value)
      }; unset it`,
    );
  }
  return Number(value);
}

/**
 * Runs `count` workers until `options.stop` resolves or they keep failing.
 *
 * @param config The resolved configuration (address, session secret).
 * @param log Where the supervisor logs.
 * @param count How many workers.
 * @param options Extra worker variables and the stop signal.
 * @returns The exit code for the supervisor: 0 after a stop, 1 when the
 *   workers kept failing or could not be started.
 */
export async function superviseWorkers(
  config: Config,
  log: RootLogger,
  count: number,
  options: SuperviseOptions,
): Promise<number> {
  if (Deno.build.os !== "linux") {
    log.error(
      `PULSE_WORKERS needs Linux (reusePort spreads connections only there), this is ${Deno.build.os}; set PULSE_WORKERS=1`,
    );
    return 1;
  }
  if (Deno.permissions.querySync({ name: "run" }).state !== "granted") {
    log.error(
      "PULSE_WORKERS needs permission to start its workers (copies of this command): run with --allow-run, as deno task start does, or set PULSE_WORKERS=1",
    );
    return 1;
  }
  const command = await ownCommandLine();
  const port = config.port === 0 ? reservePort(config.hostname) : config.port;
  // Each start of each worker gets its own token: for its heartbeats and
  // to be let onto the local bus.
  const tokens: string[] = [];
  await using bus = config.redisUrl
    ? undefined
    : await serveLocalBus(log, (token) => tokens.includes(token));
  // Beats come only from workers the supervisor below has started.
  await using beats = await serveHeartbeats(
    (index, pid) => supervisor.heartbeat(index, pid),
    (index) => tokens[index],
    log,
  );
  const env: Record<string, string> = {
    ...options.env,
    ...(bus ? { [LOCAL_BUS_VARIABLE]: bus.path } : {}),
    PORT: String(port),
    // One key for the cookies and tickets every worker signs and checks.
    PULSE_SESSION_SECRET: config.sessionSecret ?? randomHex(32),
  };
  const supervisor = new WorkerSupervisor({
    count,
    clock: systemClock,
    log: log.child("workers"),
    start: (index) => {
      tokens[index] = randomHex(16);
      const child = new Deno.Command(command[0]!, {
        args: command.slice(1),
        env: {
          ...env,
          [WORKER_INDEX_VARIABLE]: String(index),
          [HEARTBEAT_VARIABLE]: beats.path,
          [HEARTBEAT_TOKEN_VARIABLE]: tokens[index],
        },
        stdin: "null",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
      return {
        pid: child.pid,
        exited: child.status.then((s) => s.code),
        kill: (signal) => child.kill(signal),
      };
    },
  });
  log.info("supervising workers", {
    workers: count,
    url: `http://${
      config.hostname.includes(":") ? `[${config.hostname}]` : config.hostname
    }:${port}/`,
    bus: config.redisUrl ? "redis" : "local",
  });
  supervisor.start();
  void options.stop.then(() => supervisor.stop());
  return await supervisor.finished;
}

/**
 * Serves the local bus on a Unix socket only this user can reach, and
 * only to the workers it started (each says its start's token first),
 * until disposed.
 */
async function serveLocalBus(
  log: RootLogger,
  admits: (token: string) => boolean,
): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "pulseboard-bus-" });
  await Deno.chmod(dir, 0o700);
  const path = `${dir}/bus.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const busLog = log.child("cluster");
  const server = new LocalBusServer({
    clock: systemClock,
    admits,
    onError: (error) => busLog.warn("local bus", { error }),
  });
  const accepting = (async () => {
    try {
      for await (const connection of listener) void server.serve(connection);
    } catch {
      // Closed below.
    }
  })();
  return {
    path,
    async [Symbol.asyncDispose]() {
      listener.close();
      server.close();
      await accepting;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * The command line that starts this program again: `/proc/self/cmdline`
 * where Deno lets it be read (under `--allow-all` only), else this Deno,
 * `run`, the permissions this process holds, the script and its
 * arguments. `deno task start`'s flags are all unscoped, so they carry
 * over whole; a permission granted only for some paths or hosts cannot be
 * asked back from Deno and is not carried (the worker then refuses the
 * same way the supervisor would have).
 */
async function ownCommandLine(): Promise<string[]> {
  try {
    const raw = await Deno.readTextFile("/proc/self/cmdline");
    return raw.split("\0").filter((part) => part !== "");
  } catch {
    return [
      Deno.execPath(),
      "run",
      "--no-prompt",
      ...grantedFlags(),
      fileURLToPath(Deno.mainModule),
      ...Deno.args,
    ];
  }
}

/** The permissions Deno can be asked about. */
const PERMISSIONS = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "import",
] as const;

/** The `sys` kinds a scoped `--allow-sys=...` may hold. */
const SYS_KINDS = [
  "hostname",
  "networkInterfaces",
  "osRelease",
  "osUptime",
  "loadavg",
  "systemMemoryInfo",
  "uid",
  "gid",
  "cpus",
  "homedir",
  "statfs",
  "getPriority",
  "setPriority",
  "username",
  "ca",
  "umask",
] as const;

/** This process's unscoped permissions as `deno run` flags. */
export function grantedFlags(): string[] {
  const granted = (descriptor: Deno.PermissionDescriptor) => {
    try {
      return Deno.permissions.querySync(descriptor).state === "granted";
    } catch {
      return false; // a kind this Deno does not know
    }
  };
  const flags = PERMISSIONS.filter((name) => granted({ name })).map((name) =>
    `--allow-${name}`
  );
  if (granted({ name: "sys" })) flags.push("--allow-sys");
  else {
    const kinds = SYS_KINDS.filter((kind) => granted({ name: "sys", kind }));
    if (kinds.length) flags.push(`--allow-sys=${kinds.join(",")}`);
  }
  return flags;
}

/** A free port for every worker to share: bound, read, let go. */
function reservePort(hostname: string): number {
  const probe = Deno.listen({ hostname, port: 0 });
  const { port } = probe.addr as Deno.NetAddr;
  probe.close();
  return port;
}

/** Options for {@linkcode stopWhenOrphaned}. */
export interface OrphanOptions {
  /** Starts the graceful shutdown. */
  shutdown: () => Promise<void>;
  /** How long the graceful shutdown may take before the exit, ms. */
  deadlineMs: number;
  /** Where the reason goes. */
  log: RootLogger;
}

/**
 * Stops this worker when its supervisor dies (SIGKILL, OOM): the worker has
 * been handed to another parent, nobody would replace it, and it would hold
 * the port against the next supervisor's workers. Drained if it can be
 * within `deadlineMs`, gone in any case (a shutdown that hangs on a Redis
 * call that never answers must not keep it). Exits 1.
 */
export function stopWhenOrphaned(options: OrphanOptions): void {
  const { shutdown, deadlineMs, log } = options;
  const supervisor = Deno.ppid;
  const watch = setInterval(() => {
    if (Deno.ppid === supervisor) return;
    clearInterval(watch);
    log.error("stopping: the supervisor is gone");
    setTimeout(() => {
      log.error("stopped before the drain finished: the supervisor is gone");
      Deno.exit(1);
    }, deadlineMs);
    shutdown().finally(() => Deno.exit(1));
  }, 1_000);
}

/** Options for {@linkcode serveAsWorker}. */
export interface WorkerDutyOptions extends OrphanOptions {
  /** This worker's slot. */
  index: number;
  /** The supervisor's heartbeat socket and this start's token, when given. */
  heartbeat?: { path: string; token: string };
}

/**
 * What a worker owes its supervisor once it serves: to stop when the
 * supervisor is gone ({@linkcode stopWhenOrphaned}), and to beat, so a
 * worker that hangs is replaced.
 */
export function serveAsWorker(options: WorkerDutyOptions): void {
  const { index, heartbeat, ...orphan } = options;
  stopWhenOrphaned(orphan);
  if (heartbeat) sendHeartbeats({ ...heartbeat, index });
}

/**
 * A worker's place in the status picture: its slot and, when it talks to
 * its siblings through the supervisor's local bus, whether that is up.
 *
 * @param index The worker's slot, if this process is a worker.
 * @param localBus The local bus link, when it uses one.
 * @returns Its place, or undefined for a process that is no worker.
 */
export function workerPlace(
  index: number | undefined,
  localBus: { readonly up: boolean } | false | undefined,
): { index: number; localBus?: { up: boolean } } | undefined {
  if (index === undefined) return undefined;
  return localBus ? { index, localBus: { up: localBus.up } } : { index };
}
