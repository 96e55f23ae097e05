// deno-lint-ignore-file no-console -- a command-line benchmark: the terminal is its interface
/**
 * Fan-out benchmark: starts one server (Pulseboard's `main.ts` with the
 * simulator publishing at `--rate`, the raw Deno floors, or Socket.IO 4 on
 * Node), connects `--clients` clients from `--workers` load-generator
 * processes (bench/load_worker.ts), measures a clean window of `--seconds`,
 * and reports whether every client received every seq, end-to-end latency
 * from each message's `ts`, the server's CPU time per 1,000 delivered
 * messages and its memory per connection. The window is a span of
 * publication time: every delta published while it is open is expected at
 * every client. When it closes, clients get up to 10 s to receive the rest
 * (`drainMs`: when the last one had all of it); a client that does not is
 * missing messages, and latency counts every delta of the window however
 * late it arrived. With `--idle`, nothing is
 * published: only memory per idle connection is measured.
 *
 * Where `taskset` exists and there are at least two cores, the server is
 * pinned to core 0 and the load generators to the others.
 *
 * Usage: deno task bench:fanout [--server pulseboard|raw|socketio]
 *        [--transport ws|sse|poll] [--clients 1000] [--rate 10]
 *        [--seconds 10] [--workers N] [--generator auto|native|deno]
 *        [--idle] [--json] [--cpu-prof DIR] [--publisher-seconds 5]
 *        [--server-workers N]
 *
 * `--server-workers N` runs Pulseboard with PULSE_WORKERS=N (a database
 * file in a temporary folder): the server's CPU and memory are then its
 * whole process tree's, and it is pinned to the first N cores.
 *
 * Before any client connects, the server's CPU is read for
 * `--publisher-seconds` while it publishes to nobody: what producing the
 * updates costs (Pulseboard's simulator, periods and history; nothing for
 * the floors). The fan-out's own cost per message is the window's CPU less
 * that, reported beside the total.
 *
 * `--cpu-prof DIR` writes a V8 CPU profile of the server (Pulseboard or the
 * raw floor) to DIR; `deno task bench:profile DIR` prints where its time
 * went.
 *
 * Everything runs on 127.0.0.1 and stops by itself.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "1000" },
    rate: { type: "string", default: "10" },
    seconds: { type: "string", default: "10" },
    transport: { type: "string", default: "ws" },
    server: { type: "string", default: "pulseboard" },
    workers: { type: "string" },
    generator: { type: "string", default: "auto" },
    idle: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
    "publisher-seconds": { type: "string", default: "5" },
    "server-workers": { type: "string", default: "1" },
  },
});
const clients = Number(values.clients);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const { transport, server: kind, idle } = values;
const fail = (message: string): never => {
  console.error(message);
  Deno.exit(2);
};
if (
  !(clients >= 1 && clients <= 20_000) || !(rate > 0 && rate <= 100) ||
  !(seconds > 0 && seconds <= 600)
) fail("--clients must be 1-20000, --rate 1-100 per second, --seconds 1-600");
const protocols: Record<string, Record<string, string>> = {
  pulseboard: { ws: "ws", sse: "sse", poll: "poll" },
  raw: { ws: "raw-ws", sse: "raw-sse", poll: "poll" },
  socketio: { ws: "socketio", poll: "socketio-poll" },
};
const protocol = protocols[kind!]?.[transport!] ??
  fail(
    `--server pulseboard takes --transport ws, sse or poll; raw takes ws, sse or poll; socketio takes ws or poll (received ${kind} ${transport})`,
  );
const workers = Number(
  values.workers ?? Math.max(1, Math.ceil(clients / 1500)),
);
if (!(workers >= 1 && workers <= 32)) fail("--workers must be 1-32");

const root = new URL("..", import.meta.url);
const cores = availableParallelism();
const pinned = cores >= 2 && existsSync("/usr/bin/taskset");
const pin = (command: string, args: string[], cpus: string) =>
  pinned && cpus !== ""
    ? { command: "/usr/bin/taskset", args: ["-c", cpus, command, ...args] }
    : { command, args };

/** The path the native load generator opens for each protocol it speaks. */
const NATIVE_PATHS: Record<string, string> = {
  ws: "api/ws?topic=pnl",
  "raw-ws": "",
  socketio: "socket.io/?EIO=4&transport=websocket",
  poll: "api/poll?topic=pnl",
  "socketio-poll": "socket.io/?EIO=4&transport=polling",
};

/**
 * Builds bench/native/load_sink.c with the system's C compiler into
 * bench/.deps, once per change of the source; undefined without one.
 */
async function ensureNativeSink(): Promise<string | undefined> {
  const source = new URL("bench/native/load_sink.c", root);
  const binary = new URL("bench/.deps/load_sink", root);
  if (
    existsSync(binary) &&
    Deno.statSync(binary).mtime! >= Deno.statSync(source).mtime!
  ) return binary.pathname;
  Deno.mkdirSync(new URL("bench/.deps/", root), { recursive: true });
  try {
    const out = await new Deno.Command("cc", {
      args: ["-O2", "-o", binary.pathname, source.pathname],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    return out.success ? binary.pathname : undefined;
  } catch {
    return undefined; // no C compiler
  }
}

/** Installs Socket.IO for the Node baseline, once, through npm. */
async function ensureSocketIo(): Promise<void> {
  const dir = new URL("bench/.deps/", root);
  if (existsSync(new URL("node_modules/socket.io/package.json", dir))) return;
  console.error("installing socket.io@4.8.1 into bench/.deps (npm)...");
  const out = await new Deno.Command("npm", {
    args: [
      "install",
      "--prefix",
      dir.pathname,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "socket.io@4.8.1",
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    fail(
      "npm could not install socket.io; the Socket.IO baseline needs Node.js and npm",
    );
  }
}

const effectiveRate = idle ? 1 / 3600 : rate;
const serverWorkers = Number(values["server-workers"]);
if (!(serverWorkers >= 1 && serverWorkers <= 64)) {
  fail("--server-workers must be 1-64");
}
if (serverWorkers > 1 && kind !== "pulseboard") {
  fail("--server-workers is for --server pulseboard");
}
const serverCpus = serverWorkers > 1
  ? `0-${Math.min(serverWorkers, cores) - 1}`
  : "0";
const profile = values["cpu-prof"]
  ? ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`]
  : [];
let spawn: { command: string; args: string[] };
if (kind === "pulseboard") {
  spawn = pin(
    Deno.execPath(),
    ["run", ...profile, "-A", "main.ts"],
    serverCpus,
  );
} else if (kind === "raw") {
  spawn = pin(Deno.execPath(), [
    "run",
    ...profile,
    "-A",
    "bench/raw_server.ts",
    String(effectiveRate),
  ], "0");
} else {
  await ensureSocketIo();
  spawn = pin(
    "node",
    ["bench/socketio_server.mjs", String(effectiveRate)],
    "0",
  );
}
const server = new Deno.Command(spawn.command, {
  args: spawn.args,
  cwd: root,
  env: {
    PORT: "0",
    PULSE_DB: serverWorkers > 1
      ? `${Deno.makeTempDirSync({ prefix: "pulse-bench-" })}/bench.db`
      : ":memory:",
    PULSE_WORKERS: String(serverWorkers),
    PULSE_SIM_INTERVAL_MS: String(Math.round(1000 / effectiveRate)),
    PULSE_BATCH_MS: "5",
    // Every client comes from 127.0.0.1: lift the per-address limits.
    PULSE_MAX_CONNECTIONS_PER_IP: "1000000",
    PULSE_MAX_PARKED_POLLS_PER_IP: "1000000",
    NO_COLOR: "1",
  },
  stdout: "piped",
  stderr: "inherit",
}).spawn();

/** Reads JSON lines from a process, one at a time. */
function lineReader(stream: ReadableStream<Uint8Array<ArrayBuffer>>) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return async function next(): Promise<string> {
    for (;;) {
      const nl = buffer.indexOf("\n");
      if (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        return line;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("process ended");
      buffer += value;
    }
  };
}

const serverLines = lineReader(server.stdout);

/**
 * Long-poll answers Pulseboard has sent so far (its own counter), so the
 * report can say how many requests a message cost; `undefined` elsewhere.
 */
async function pollAnswers(): Promise<number | undefined> {
  if (kind !== "pulseboard" || transport !== "poll") return undefined;
  const text = await (await fetch(new URL("/metrics", url))).text();
  let n = 0;
  for (
    const m of text.matchAll(
      /^pulse_subscriptions_total\{[^}]*transport="poll"[^}]*\} (\d+)/gm,
    )
  ) {
    n += Number(m[1]);
  }
  return n;
}
let url = "";
// Every worker listening, so the kernel spreads the clients over all.
for (let listening = 0; listening < serverWorkers;) {
  const match = /"msg":"listening","url":"([^"]+)"/.exec(await serverLines());
  if (match) {
    url = match[1]!;
    listening++;
  }
}
const drainLogs = (async () => {
  try {
    for (;;) await serverLines();
  } catch {
    // The server stopped.
  }
})();

/** CPU and memory of a process and every process below it (workers). */
function procStats(pid: number): { cpuMs: number; rssKiB: number } {
  let cpuMs = 0;
  let rssKiB = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${p}/stat`).split(") ")[1]!
        .split(" ");
      cpuMs += (Number(stat[11]) + Number(stat[12])) * 10; // utime + stime
      rssKiB += Number(
        /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${p}/status`))![1],
      );
    } catch {
      // Gone between the listing and the read.
    }
  }
  return { cpuMs, rssKiB };
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const children = Deno.readTextFileSync(
        `/proc/${pid}/task/${task.name}/children`,
      ).trim().split(/\s+/).filter(Boolean).map(Number);
      for (const child of children) out.push(child, ...descendants(child));
    }
  } catch {
    // Gone.
  }
  return out;
}
/** The server's own process: under taskset, the child of the taskset exec is the same pid. */
const serverPid = server.pid;
await new Promise((r) => setTimeout(r, 500));
const before = procStats(serverPid);
// What publishing costs with nobody listening: measured before any client
// connects, over a span long enough for the 10 ms tick of /proc to matter
// little.
const publisherSeconds = idle ? 0 : Number(values["publisher-seconds"]);
let publisherCpuMsPerSecond = 0;
if (publisherSeconds > 0) {
  await new Promise((r) => setTimeout(r, publisherSeconds * 1000));
  publisherCpuMsPerSecond = (procStats(serverPid).cpuMs - before.cpuMs) /
    publisherSeconds;
}

const generatorCpus = !pinned ? "" : serverWorkers >= cores
  ? "" // no core of their own left: shared with the workers
  : `${Math.min(serverWorkers, cores)}-${cores - 1}`;
// WebSocket and long-poll clients come from the native generator where a
// C compiler exists (a JavaScript client costs about 25 us of CPU per
// message, enough to saturate a shared generator core at 5,000 clients,
// and a fetch per long-poll answer more); SSE from bench/load_worker.ts.
const nativeSink = values.generator !== "deno" && protocol in NATIVE_PATHS
  ? await ensureNativeSink()
  : undefined;
if (values.generator === "native" && !nativeSink) {
  fail(
    "--generator native needs a C compiler (cc) and a WebSocket or long-poll protocol",
  );
}
const generator = nativeSink ? "native" : "deno";
const per = Math.ceil(clients / workers);
const target = new URL(url);
const loaders = Array.from({ length: workers }, (_, i) => {
  const n = Math.min(per, clients - i * per);
  const cmd = nativeSink
    ? pin(nativeSink, [
      target.hostname,
      target.port,
      NATIVE_PATHS[protocol]!,
      String(n),
      protocol,
    ], generatorCpus)
    : pin(Deno.execPath(), [
      "run",
      "-A",
      "bench/load_worker.ts",
      "--url",
      url,
      "--clients",
      String(n),
      "--protocol",
      protocol,
    ], generatorCpus);
  const child = new Deno.Command(cmd.command, {
    args: cmd.args,
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  return {
    child,
    next: lineReader(child.stdout),
    send: (line: string) => writer.write(new TextEncoder().encode(`${line}\n`)),
    close: () => writer.close().catch(() => {}),
  };
}).filter((_, i) => Math.min(per, clients - i * per) > 0);

const rampStart = performance.now();
await Promise.all(loaders.map((l) => l.next()));
const rampMs = performance.now() - rampStart;
await new Promise((r) => setTimeout(r, idle ? 2_000 : 500));
const connected = procStats(serverPid);
/** Sends one command to every worker and reads each one's answer. */
const ask = <T>(command: string): Promise<T[]> =>
  Promise.all(loaders.map(async (l) => {
    await l.send(command);
    return JSON.parse(await l.next()) as T;
  }));
// The window is a span of publication time, [t0, t1): every delta
// published while it is open is expected at every client, however late.
// Every worker must have it before it opens: a busy one reads commands late.
let t0 = 0;
let t1 = 0;
for (let lead = 500; t0 <= Date.now(); lead *= 2) {
  t0 = Date.now() + lead;
  t1 = t0 + (idle ? 1 : seconds) * 1000;
  await ask(`window ${t0} ${t1}`);
}
await new Promise((r) => setTimeout(r, t0 - Date.now()));
const startCpu = procStats(serverPid).cpuMs;
const startAnswers = await pollAnswers();
const generatorCpu = () =>
  loaders.reduce((ms, l) => ms + procStats(l.child.pid).cpuMs, 0);
const generatorStartCpu = generatorCpu();
await new Promise((r) => setTimeout(r, t1 - Date.now()));
const end = procStats(serverPid);
const endAnswers = await pollAnswers();
// A generator near a whole core measures itself, not the server.
const generatorCorePercent = Math.round(
  (generatorCpu() - generatorStartCpu) / (t1 - t0) * 1000,
) / 10;
interface Report {
  clients: number;
  received: number[];
  reached: number;
  lastReachedAt: number;
  composed: number;
  gaps: number;
  snapshots: number;
  bytes: number;
  histogram: [number, number][];
}
// Then every client gets up to DRAIN_MS to receive the rest of the window.
const DRAIN_MS = 10_000;
const reports = await ask<Report>(`drain ${idle ? 0 : DRAIN_MS}`);
await Promise.all(loaders.map(async (l) => {
  await l.send("stop");
  await l.close();
  await l.child.status;
}));
server.kill("SIGTERM");
await server.status;
await drainLogs;

const received = reports.flatMap((r) => r.received);
const delivered = received.reduce((a, b) => a + b, 0);
// In order and without gaps, a client past the window has all of it.
const expectedPerClient = Math.max(0, ...received);
const gaps = reports.reduce((n, r) => n + r.gaps, 0);
const composed = reports.reduce((n, r) => n + r.composed, 0);
const notPast = received.length - reports.reduce((n, r) => n + r.reached, 0);
const behind = Math.max(
  notPast,
  received.filter((n) => n < expectedPerClient).length,
);
// From the window's end until the last client had all of it (this
// includes waiting for the next publish, up to one interval).
const drainMs = Math.max(
  0,
  Math.max(...reports.map((r) => r.lastReachedAt)) - t1,
);
const histogram = new Map<number, number>();
for (const r of reports) {
  for (const [ms, n] of r.histogram) {
    histogram.set(ms, (histogram.get(ms) ?? 0) + n);
  }
}
const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
const total = sorted.reduce((n, [, c]) => n + c, 0);
const pct = (p: number) => {
  let seen = 0;
  for (const [ms, n] of sorted) {
    seen += n;
    if (seen > p * total) return ms;
  }
  return sorted.at(-1)?.[0] ?? NaN;
};
const result = {
  date: new Date().toISOString(),
  server: kind,
  transport,
  idle,
  clients: received.length,
  workers: loaders.length,
  generator,
  pinned,
  ratePerSecond: idle ? 0 : rate,
  seconds: idle ? 0 : seconds,
  rampMs: Math.round(rampMs),
  /** Seqs each client had, summed (a composed catch-up covers several). */
  deliveredMessages: delivered,
  expectedMessages: expectedPerClient * received.length,
  /** Updates the server actually published a second (its timer can slip). */
  publishedPerSecond: idle
    ? 0
    : Math.round((expectedPerClient / seconds) * 10) / 10,
  clientsMissingMessages: idle ? 0 : behind,
  composedCatchUps: composed,
  drainMs: idle ? 0 : drainMs,
  gaps,
  latencyMs: {
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    max: sorted.at(-1)?.[0] ?? NaN,
  },
  // Per message written (a composed catch-up is one message).
  bytesPerMessage: total
    ? Math.round(reports.reduce((n, r) => n + r.bytes, 0) / total)
    : NaN,
  serverCpuMsPer1000Messages: total
    ? Math.round(((end.cpuMs - startCpu) / total) * 1000 * 100) / 100
    : NaN,
  /** The load generators' CPU over the window, % of one core. */
  generatorCorePercent,
  /** CPU a second of publishing to nobody (before clients connected). */
  publisherCpuMsPerSecond: Math.round(publisherCpuMsPerSecond * 10) / 10,
  /** The window's CPU less the publisher's: the fan-out per message. */
  fanoutCpuMsPer1000Messages: total
    ? Math.round(
      ((end.cpuMs - startCpu - publisherCpuMsPerSecond * seconds) / total) *
        1000 * 100,
    ) / 100
    : NaN,
  /** Long-poll answers per delivered message (Pulseboard only). */
  pollAnswersPerMessage: startAnswers !== undefined && total
    ? Math.round(((endAnswers! - startAnswers) / total) * 1000) / 1000
    : undefined,
  serverRssKiBPerConnection:
    Math.round(((connected.rssKiB - before.rssKiB) / received.length) * 10) /
    10,
  serverRssMiB: Math.round(end.rssKiB / 1024),
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(
    `${kind}: ${result.clients} ${transport} clients from ${result.workers} ${generator} load generator(s)${
      pinned
        ? ` (server pinned to core${
          serverWorkers > 1 ? "s" : ""
        } ${serverCpus})`
        : ""
    }, ${idle ? "idle" : `${rate} updates/s for ${seconds} s`}`,
  );
  if (!idle) {
    console.log(
      `published ${result.publishedPerSecond}/s; delivered ${delivered} of ${result.expectedMessages} (clients missing messages: ${behind}, gaps: ${gaps}, composed catch-ups: ${composed}); every client had all of them ${drainMs} ms after the window closed`,
    );
    console.log(
      `latency ms p50 ${result.latencyMs.p50} p95 ${result.latencyMs.p95} p99 ${result.latencyMs.p99} max ${result.latencyMs.max}; ${result.bytesPerMessage} bytes per message; the load generators used ${generatorCorePercent} % of a core`,
    );
    console.log(
      `server CPU ${result.serverCpuMsPer1000Messages} ms per 1,000 delivered messages; publishing alone ${result.publisherCpuMsPerSecond} ms/s, so the fan-out ${result.fanoutCpuMsPer1000Messages} ms per 1,000`,
    );
    if (result.pollAnswersPerMessage !== undefined) {
      console.log(
        `${result.pollAnswersPerMessage} long-poll answers per delivered message`,
      );
    }
  }
  console.log(
    `server RSS ${result.serverRssKiBPerConnection} KiB per connection, ${result.serverRssMiB} MiB total`,
  );
}
if (!idle && (gaps > 0 || behind > 0)) Deno.exit(1);
