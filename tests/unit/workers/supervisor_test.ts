import assert from "node:assert/strict";
import { type WorkerProcess, WorkerSupervisor } from "@/lib/workers/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import { createLogger } from "@/lib/log.ts";

/** A fake worker process: exits when told, records the signals it got. */
class FakeProcess implements WorkerProcess {
  static next = 100;
  readonly pid = FakeProcess.next++;
  readonly signals: string[] = [];
  readonly exited: Promise<number>;
  exit!: (code: number) => void;
  constructor(readonly stubborn = false) {
    this.exited = new Promise((resolve) => this.exit = resolve);
  }
  kill(signal: "SIGTERM" | "SIGKILL"): void {
    this.signals.push(signal);
    if (signal === "SIGKILL" || !this.stubborn) {
      this.exit(signal === "SIGKILL" ? 137 : 0);
    }
  }
}

function harness(options: { stubborn?: boolean; hangMs?: number } = {}) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const log = createLogger({
    now: () => clock.now(),
    write: (line) => lines.push(line),
    format: "json",
  });
  const started: FakeProcess[] = [];
  const supervisor = new WorkerSupervisor({
    count: 2,
    clock,
    log,
    start: () => {
      const p = new FakeProcess(options.stubborn);
      started.push(p);
      return p;
    },
    stopTimeoutMs: 5_000,
    // The heartbeat watch is off unless a test turns it on.
    hangMs: options.hangMs ?? 0,
    startGraceMs: 10_000,
  });
  return { clock, lines, started, supervisor };
}

Deno.test("WorkerSupervisor replaces a worker that died, at once when it had been running a while", async () => {
  const { clock, started, supervisor } = harness();
  supervisor.start();
  assert.equal(started.length, 2);
  await clock.advance(60_000);
  started[0]!.exit(137); // killed
  await clock.advance(0);
  assert.equal(started.length, 3, "a new process in its slot");
  assert.deepEqual(supervisor.pids, [started[2]!.pid, started[1]!.pid]);
  await supervisor.stop();
  assert.equal(await supervisor.finished, 0);
});

Deno.test("WorkerSupervisor backs off a worker that keeps exiting, then gives up and stops the others with code 1", async () => {
  const { clock, lines, started, supervisor } = harness();
  supervisor.start();
  const delays: number[] = [];
  const inSlot0 = () => started.find((p) => p.pid === supervisor.pids[0])!;
  let at = clock.now();
  for (let exits = 1; exits < 5; exits++) {
    inSlot0().exit(1);
    const before = started.length;
    while (started.length === before) await clock.advance(100);
    delays.push(clock.now() - at);
    at = clock.now();
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000]);
  inSlot0().exit(1); // the fifth quick exit
  await clock.advance(0);
  assert.equal(await supervisor.finished, 1);
  assert.deepEqual(started[1]!.signals, ["SIGTERM"], "the healthy one stopped");
  assert.ok(lines.some((l) => l.includes("giving up")));
});

Deno.test("WorkerSupervisor.stop() kills workers that do not drain by the deadline", async () => {
  const { clock, started, supervisor } = harness({ stubborn: true });
  supervisor.start();
  const stopped = supervisor.stop();
  await clock.advance(4_999);
  assert.deepEqual(started[0]!.signals, ["SIGTERM"]);
  await clock.advance(1);
  await stopped;
  assert.deepEqual(started[0]!.signals, ["SIGTERM", "SIGKILL"]);
  assert.equal(await supervisor.finished, 0);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("WorkerSupervisor refuses a count below one", () => {
  assert.throws(
    () =>
      new WorkerSupervisor({
        count: 0,
        clock: new FakeClock(),
        log: createLogger({ now: () => 0, write: () => {} }),
        start: () => new FakeProcess(),
      }),
    /'count' must be a whole number above 0, received 0/,
  );
});

Deno.test("WorkerSupervisor kills a worker that stops beating for hangMs (stopped, or its loop blocked) and starts another in its slot; a worker that beats is left alone", async () => {
  const { clock, lines, started, supervisor } = harness({ hangMs: 5_000 });
  supervisor.start();
  const [a, b] = started;
  // Both beat for a while.
  for (let s = 0; s < 20; s++) {
    supervisor.heartbeat(0, a!.pid);
    supervisor.heartbeat(1, b!.pid);
    await clock.advance(1_000);
  }
  assert.deepEqual(a!.signals, []);
  // Worker 1 goes silent (SIGSTOP); worker 0 beats on.
  for (let s = 0; s < 6; s++) {
    supervisor.heartbeat(0, a!.pid);
    await clock.advance(1_000);
  }
  assert.deepEqual(b!.signals, ["SIGKILL"]);
  assert.deepEqual(a!.signals, []);
  assert.equal(supervisor.hangKills, 1);
  assert.equal(started.length, 3, "a new process in slot 1");
  assert.deepEqual(supervisor.pids, [a!.pid, started[2]!.pid]);
  const hung = lines.map((l) => JSON.parse(l)).find((r) =>
    r.msg === "worker hung: killing it, a new one takes its place"
  );
  assert.equal(hung.worker, 1);
  // A beat from the old process no longer counts; the new one has its
  // start grace, then the same watch.
  supervisor.heartbeat(1, b!.pid);
  for (let s = 0; s < 8; s++) {
    supervisor.heartbeat(0, a!.pid);
    supervisor.heartbeat(1, started[2]!.pid);
    await clock.advance(1_000);
  }
  assert.equal(supervisor.hangKills, 1);
  await supervisor.stop();
});
