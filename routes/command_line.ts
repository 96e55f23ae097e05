/**
 * The command line: `deno run main.ts` reads the configuration, starts a
 * supervisor (`PULSE_WORKERS` above 1) or a server, says why a start
 * failed (exit 1), serves as a worker when it is one, and stops on
 * `SIGINT` and `SIGTERM` (exit 0, or 1 when stopping fails or the
 * listener is lost).
 */
import type { Config, Env } from "@/lib/config.ts";
import { parseConfig } from "@/lib/config.ts";
import { createLogger, type RootLogger } from "@/lib/log.ts";
import type { Clock } from "@/lib/time/mod.ts";
import { reportStartFailure } from "./start_failure.ts";
import {
  HEARTBEAT_TOKEN_VARIABLE,
  HEARTBEAT_VARIABLE,
} from "./worker_heartbeats.ts";
import {
  LOCAL_BUS_VARIABLE,
  serveAsWorker,
  superviseWorkers,
  WORKER_INDEX_VARIABLE,
  workerSlot,
} from "./worker_processes.ts";

/** An orphaned worker's time to drain beyond PULSE_DRAIN_MS, ms. */
const ORPHAN_GRACE_MS = 2_000;

/** A running server and the way to stop it. */
export interface RunningServer {
  /** The URL it listens on. */
  url: string;
  /** Stops polling, tells clients to go away, saves, and closes everything. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** Options for starting a server (main.ts's `startServer`). */
export interface StartOptions {
  /**
   * Time source.
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * The environment, where the sources file's secrets are read.
   * @default {{}}
   */
  env?: Env;
  /** This process's slot under a `PULSE_WORKERS` supervisor, if any. */
  workerIndex?: number;
  /**
   * The supervisor's local bus socket and this worker start's token (a
   * worker without Redis).
   */
  localBus?: { path: string; token: string };
}

/** What {@linkcode runCommandLine} needs from main.ts. */
export interface CommandLineOptions {
  /** The process's environment. */
  env: Env;
  /** Writes one log line at its level (the console). */
  write: (line: string, level: string) => void;
  /** Writes a failed start's report (standard error). */
  writeError: (text: string) => void;
  /** Builds every part and starts serving. */
  start: (
    config: Config,
    log: RootLogger,
    options: StartOptions,
  ) => Promise<RunningServer>;
}

/**
 * Runs the process from its command line until a signal stops it.
 *
 * @param options The environment, the console and the server's start.
 */
export async function runCommandLine(
  options: CommandLineOptions,
): Promise<void> {
  const { env, write, writeError, start } = options;
  // Until the configuration is read (its own errors need a logger too).
  let log = createLogger({ now: () => Date.now(), write });
  // A bug in one request's background work must not take the server down.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("unhandled rejection", { error: event.reason });
  });
  let running: RunningServer;
  let logFormat: "pretty" | "json" = "json";
  let drainMs = 0;
  try {
    const config = parseConfig(env);
    drainMs = config.drainMs;
    logFormat = config.logFormat === "auto"
      ? (Deno.stdout.isTerminal() ? "pretty" : "json")
      : config.logFormat;
    log = createLogger({
      now: () => Date.now(),
      write,
      level: config.logLevel.level,
      areas: config.logLevel.areas,
      format: logFormat,
    });
    const workerIndex = workerSlot(env[WORKER_INDEX_VARIABLE]);
    const workers = config.workers === "auto"
      ? navigator.hardwareConcurrency
      : config.workers;
    if (workerIndex === undefined && workers > 1) {
      const stop = Promise.withResolvers<void>();
      Deno.addSignalListener("SIGINT", () => stop.resolve());
      Deno.addSignalListener("SIGTERM", () => stop.resolve());
      Deno.exit(
        await superviseWorkers(config, log, workers, { stop: stop.promise }),
      );
    }
    running = await start(config, log, {
      env: env,
      workerIndex,
      ...localBusOf(workerIndex, env),
    });
  } catch (error) {
    // Every failed start exits 1, even when saying why fails too.
    try {
      reportStartFailure(error, {
        log,
        format: logFormat,
        writeError,
      });
    } finally {
      Deno.exit(1);
    }
  }
  const workerIndex = workerSlot(env[WORKER_INDEX_VARIABLE]);
  const [path, token] = [
    env[HEARTBEAT_VARIABLE],
    env[HEARTBEAT_TOKEN_VARIABLE],
  ];
  if (workerIndex !== undefined) {
    serveAsWorker({
      index: workerIndex,
      shutdown: running.shutdown,
      deadlineMs: drainMs + ORPHAN_GRACE_MS,
      log,
      ...(path && token ? { heartbeat: { path, token } } : {}),
    });
  }
  // The listener could not be kept (see routes/listener.ts): exit 1, so a
  // supervisor starts a fresh process.
  running.finished.catch((error) => {
    log.error("stopping: the listener is gone", { error });
    running.shutdown().finally(() => Deno.exit(1));
  });
  const stop = () => {
    running.shutdown().then(() => Deno.exit(0), (error) => {
      log.error("shutdown failed", { error });
      Deno.exit(1);
    });
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

/** A worker's local bus (its path and this start's token), when it has one. */
function localBusOf(
  workerIndex: number | undefined,
  env: Env,
): { localBus?: { path: string; token: string } } {
  const path = env[LOCAL_BUS_VARIABLE];
  const token = env[HEARTBEAT_TOKEN_VARIABLE];
  return workerIndex !== undefined && path && token
    ? { localBus: { path, token } }
    : {};
}
