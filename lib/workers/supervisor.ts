/**
 * `PULSE_WORKERS`: keeps that many server processes running on one port.
 * A worker that exits is started again after a capped, doubling delay
 * (reset once it has run for a while); one that keeps exiting at once (a
 * port taken, a broken database) makes the supervisor give up and stop
 * them all, so its own supervisor (systemd, a container runtime) sees a
 * failed start instead of a loop. A worker that stops beating
 * ({@linkcode WorkerSupervisor.heartbeat}) for `hangMs` (stopped, or its
 * event loop blocked) is killed and so replaced: the kernel would go on
 * handing it its share of new connections. Stopping asks every worker to
 * drain (SIGTERM) and kills what is left after a deadline. The processes
 * themselves are the platform's: `start` is injected.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Clock, TimerId } from "../time/mod.ts";

/** One running worker process, as the platform started it. */
export interface WorkerProcess {
  /** Its process id (logs). */
  readonly pid: number;
  /** Resolves with its exit code when it ends, however it ends. */
  readonly exited: Promise<number>;
  /** Sends it a signal. */
  kill(signal: "SIGTERM" | "SIGKILL"): void;
}

/** Options for {@linkcode WorkerSupervisor}. */
export interface WorkerSupervisorOptions {
  /** How many workers to keep running. */
  count: number;
  /** Starts worker `index` (0-based); throws when it cannot be started. */
  start: (index: number) => WorkerProcess;
  /** Time source for restart delays and the stop deadline. */
  clock: Clock;
  /** Where starts, exits and restarts are logged. */
  log: Logger;
  /**
   * The first restart delay, ms; it doubles on each quick exit.
   * @default {500}
   */
  restartBaseMs?: number;
  /**
   * The longest restart delay, ms.
   * @default {30000}
   */
  restartMaxMs?: number;
  /**
   * A worker that ran this long exited by accident, not at once: its
   * restart delay starts over, ms.
   * @default {10000}
   */
  healthyMs?: number;
  /**
   * Exits in a row, each sooner than `healthyMs` after its start, after
   * which the supervisor gives up.
   * @default {5}
   */
  maxQuickExits?: number;
  /**
   * How long stopping waits for workers to drain before killing them, ms.
   * @default {15000}
   */
  stopTimeoutMs?: number;
  /**
   * A worker silent this long after its last heartbeat is hung: killed
   * and replaced, ms. 0 turns the watch off (no heartbeats are sent).
   * @default {5000}
   */
  hangMs?: number;
  /**
   * How long a new worker may take to send its first heartbeat, ms.
   * @default {30000}
   */
  startGraceMs?: number;
}

/** One slot: the worker in it now and its restart history. */
interface Slot {
  index: number;
  process?: WorkerProcess;
  startedAt: number;
  /** When its process last beat (monotonic ms), once it has. */
  beatAt?: number;
  quickExits: number;
  timer?: TimerId;
}

/**
 * Keeps `count` workers running (see the module text).
 *
 * @example Keep two workers
 * ```ts ignore
 * const supervisor = new WorkerSupervisor({ count: 2, start, clock, log });
 * supervisor.start();
 * const code = await supervisor.finished; // 0 after stop(), 1 on giving up
 * ```
 */
export class WorkerSupervisor {
  #o: Required<WorkerSupervisorOptions>;
  #slots: Slot[] = [];
  #stopping?: Promise<void>;
  #watch?: TimerId;
  #hangKills = 0;
  #finish!: (code: number) => void;
  /** Resolves with the exit code the supervisor should end with. */
  readonly finished: Promise<number>;

  /** Checks the options; nothing starts before {@linkcode start}. */
  constructor(options: WorkerSupervisorOptions) {
    const o = {
      restartBaseMs: 500,
      restartMaxMs: 30_000,
      healthyMs: 10_000,
      maxQuickExits: 5,
      stopTimeoutMs: 15_000,
      hangMs: 5_000,
      startGraceMs: 30_000,
      ...options,
    };
    if (!Number.isInteger(o.count) || o.count < 1) {
      throw new RangeError(
        `Cannot create worker supervisor: 'count' must be a whole number above 0, received ${o.count}`,
      );
    }
    this.#o = o;
    this.finished = new Promise((resolve) => this.#finish = resolve);
  }

  /** The running workers' process ids, by slot (`undefined` while restarting). */
  get pids(): (number | undefined)[] {
    return this.#slots.map((s) => s.process?.pid);
  }

  /** How many hung workers were killed so far. */
  get hangKills(): number {
    return this.#hangKills;
  }

  /** Starts every worker, and the watch on their heartbeats. */
  start(): void {
    for (let index = 0; index < this.#o.count; index++) {
      const slot: Slot = { index, startedAt: 0, quickExits: 0 };
      this.#slots.push(slot);
      this.#run(slot);
    }
    if (this.#o.hangMs > 0) this.#armWatch();
  }

  /**
   * Worker `index`'s process `pid` is alive and its event loop turns. A
   * beat from a process no longer in the slot is ignored.
   */
  heartbeat(index: number, pid: number): void {
    const slot = this.#slots[index];
    if (slot?.process?.pid === pid) slot.beatAt = this.#o.clock.monotonic();
  }

  /** Asks every worker to stop, kills what is left after the deadline. */
  stop(code = 0): Promise<void> {
    return this.#stopping ??= (async () => {
      const { clock, stopTimeoutMs } = this.#o;
      const running = this.#slots.flatMap((slot) => {
        if (slot.timer !== undefined) clock.clearTimeout(slot.timer);
        return slot.process ? [slot.process] : [];
      });
      if (this.#watch !== undefined) clock.clearTimeout(this.#watch);
      for (const p of running) signal(p, "SIGTERM");
      let timer: TimerId | undefined;
      const deadline = new Promise<"late">((resolve) =>
        timer = clock.setTimeout(() => resolve("late"), stopTimeoutMs)
      );
      const all = Promise.all(running.map((p) => p.exited));
      if (await Promise.race([all, deadline]) === "late") {
        this.#o.log.warn("workers did not stop in time: killing them", {
          pids: running.map((p) => p.pid).join(", "),
        });
        for (const p of running) signal(p, "SIGKILL");
        await all;
      }
      clock.clearTimeout(timer!);
      this.#finish(code);
    })();
  }

  #run(slot: Slot): void {
    const { clock, log } = this.#o;
    slot.timer = undefined;
    if (this.#stopping) return;
    let process: WorkerProcess;
    try {
      process = this.#o.start(slot.index);
    } catch (error) {
      log.error("cannot start a worker", { worker: slot.index, error });
      this.#exited(slot, -1);
      return;
    }
    slot.process = process;
    slot.startedAt = clock.monotonic();
    slot.beatAt = undefined;
    log.info("worker started", { worker: slot.index, pid: process.pid });
    process.exited.then((code) => {
      if (slot.process !== process) return;
      slot.process = undefined;
      if (this.#stopping) return;
      log.warn("worker exited", { worker: slot.index, pid: process.pid, code });
      this.#exited(slot, code);
    });
  }

  /** Looks at every worker's last heartbeat, a few times per `hangMs`. */
  #armWatch(): void {
    const { clock, hangMs, startGraceMs, log } = this.#o;
    this.#watch = clock.setTimeout(() => {
      this.#watch = undefined;
      if (this.#stopping) return;
      const now = clock.monotonic();
      for (const slot of this.#slots) {
        const p = slot.process;
        if (!p) continue;
        const silentMs = now - (slot.beatAt ?? slot.startedAt);
        if (silentMs < (slot.beatAt === undefined ? startGraceMs : hangMs)) {
          continue;
        }
        this.#hangKills++;
        log.error("worker hung: killing it, a new one takes its place", {
          worker: slot.index,
          pid: p.pid,
          silentMs: Math.round(silentMs),
          hangKills: this.#hangKills,
        });
        // Beats again only once a new process is in the slot.
        slot.beatAt = now;
        signal(p, "SIGKILL");
      }
      this.#armWatch();
    }, Math.max(50, hangMs / 5));
  }

  #exited(slot: Slot, code: number): void {
    const o = this.#o;
    const ran = o.clock.monotonic() - slot.startedAt;
    slot.quickExits = ran < o.healthyMs ? slot.quickExits + 1 : 0;
    if (slot.quickExits >= o.maxQuickExits) {
      o.log.error("giving up: a worker keeps exiting at once", {
        worker: slot.index,
        exits: slot.quickExits,
        code,
      });
      void this.stop(1);
      return;
    }
    const delay = slot.quickExits === 0 ? 0 : Math.min(
      o.restartMaxMs,
      o.restartBaseMs * 2 ** (slot.quickExits - 1),
    );
    o.log.info("restarting worker", { worker: slot.index, inMs: delay });
    slot.timer = o.clock.setTimeout(() => this.#run(slot), delay);
  }
}

/** Signals a process that may already be gone. */
function signal(process: WorkerProcess, name: "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(name);
  } catch {
    // Already gone: its `exited` settles the wait.
  }
}
