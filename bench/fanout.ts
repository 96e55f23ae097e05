// deno-lint-ignore-file no-console -- a command-line benchmark: the terminal is its interface
/**
 * Fan-out check: starts the real server (`main.ts`) with the simulator
 * publishing at a fixed rate, connects N WebSocket or SSE clients from this
 * process, and reports whether every client received every seq (no gap, no
 * snapshot after the first), end-to-end latency from each message's `ts`,
 * and the server's CPU time and memory.
 *
 * Usage: deno task bench:fanout [--clients 1000] [--rate 10] [--seconds 10]
 *        [--transport ws|sse|poll] [--server pulseboard|raw] [--json]
 *
 * Everything runs on 127.0.0.1 and stops by itself.
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "1000" },
    rate: { type: "string", default: "10" },
    seconds: { type: "string", default: "10" },
    transport: { type: "string", default: "ws" },
    server: { type: "string", default: "pulseboard" },
    json: { type: "boolean", default: false },
  },
});
const clients = Number(values.clients);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const transport = values.transport;
if (
  !(clients >= 1 && clients <= 20_000) || !(rate > 0 && rate <= 100) ||
  !(seconds > 0 && seconds <= 600)
) {
  console.error(
    "--clients must be 1-20000, --rate 1-100 per second, --seconds 1-600",
  );
  Deno.exit(2);
}
if (transport !== "ws" && transport !== "sse" && transport !== "poll") {
  console.error(`--transport must be ws, sse or poll, received ${transport}`);
  Deno.exit(2);
}

const root = new URL("..", import.meta.url);
if (values.server !== "pulseboard" && values.server !== "raw") {
  console.error(
    `--server must be pulseboard or raw, received ${values.server}`,
  );
  Deno.exit(2);
}
if (values.server === "raw" && transport !== "ws") {
  console.error("--server raw is a WebSocket baseline: use --transport ws");
  Deno.exit(2);
}
const server = new Deno.Command(Deno.execPath(), {
  args: values.server === "raw"
    ? ["run", "-A", "bench/raw_ws_server.ts", String(rate)]
    : ["run", "-A", "main.ts"],
  cwd: root,
  env: {
    PORT: "0",
    PULSE_DB: ":memory:",
    PULSE_SIM_INTERVAL_MS: String(Math.round(1000 / rate)),
    PULSE_BATCH_MS: "5",
    // Every client comes from 127.0.0.1: lift the per-address limits.
    PULSE_MAX_CONNECTIONS_PER_IP: "1000000",
    PULSE_MAX_PARKED_POLLS_PER_IP: "1000000",
    NO_COLOR: "1",
  },
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
let url = "";
let pending = "";
while (!url) {
  const { value, done } = await lines.read();
  if (done) throw new Error("server exited before listening");
  pending += value;
  const match = /"msg":"listening","url":"([^"]+)"/.exec(pending);
  if (match) url = match[1]!;
}
const drainLogs = (async () => {
  while (!(await lines.read()).done) { /* keep the pipe flowing */ }
})();

function procStats(pid: number): { cpuMs: number; rssKiB: number } {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(
    " ",
  );
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  const rss =
    /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1];
  return { cpuMs: ticks * 10, rssKiB: Number(rss) };
}

interface ClientStats {
  seq: number;
  received: number;
  gaps: number;
  snapshots: number;
  latencies: number[];
}

const stats: ClientStats[] = [];
const closers: (() => void)[] = [];
const before = procStats(server.pid);

function onText(s: ClientStats, text: string) {
  const m = JSON.parse(text);
  if (m.type === "snapshot") {
    s.snapshots++;
    s.seq = m.seq;
  } else if (m.type === "delta") {
    // The raw baseline sends no snapshot: its first delta starts the chain.
    if (s.seq !== 0 && m.base !== s.seq) s.gaps++;
    s.seq = m.seq;
    s.received++;
    s.latencies.push(Date.now() - Date.parse(m.ts));
  }
}

async function openClient(): Promise<void> {
  const s: ClientStats = {
    seq: 0,
    received: 0,
    gaps: 0,
    snapshots: 0,
    latencies: [],
  };
  stats.push(s);
  if (transport === "ws") {
    const ws = new WebSocket(`${url.replace("http", "ws")}api/ws?topic=pnl`);
    ws.onmessage = (e) => onText(s, String(e.data));
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("connect failed"));
    });
    closers.push(() => ws.close());
  } else if (transport === "poll") {
    const abort = new AbortController();
    let cursor = "";
    const handle = (
      body: { messages: unknown[]; cursor: { epoch: string; seq: number } },
    ) => {
      for (const m of body.messages) onText(s, JSON.stringify(m));
      cursor = `&since=${body.cursor.seq}&epoch=${body.cursor.epoch}`;
    };
    const first = await fetch(`${url}api/poll?topic=pnl`, {
      signal: abort.signal,
    });
    handle(await first.json());
    (async () => {
      while (!abort.signal.aborted) {
        try {
          const res = await fetch(
            `${url}api/poll?topic=pnl${cursor}&timeout=25`,
            {
              signal: abort.signal,
            },
          );
          handle(await res.json());
        } catch {
          // Aborted at the end.
        }
      }
    })();
    closers.push(() => abort.abort());
  } else {
    const abort = new AbortController();
    const res = await fetch(`${url}api/sse?topic=pnl`, {
      signal: abort.signal,
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    (async () => {
      let buffer = "";
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event.split("\n").find((l) => l.startsWith("data: "));
            if (data) onText(s, data.slice(6));
          }
        }
      } catch {
        // Aborted at the end.
      }
    })();
    closers.push(() => abort.abort());
  }
}

// Ramp at a bounded rate: 250 connections per 100 ms.
const rampStart = performance.now();
for (let i = 0; i < clients; i += 250) {
  await Promise.all(
    Array.from({ length: Math.min(250, clients - i) }, openClient),
  );
  await new Promise((r) => setTimeout(r, 100));
}
const rampMs = performance.now() - rampStart;
const connected = procStats(server.pid);
// Let snapshots settle, then measure a clean window.
await new Promise((r) => setTimeout(r, 500));
for (const s of stats) {
  s.received = 0;
  s.latencies = [];
}
const startCpu = procStats(server.pid).cpuMs;
await new Promise((r) => setTimeout(r, seconds * 1000));
const end = procStats(server.pid);
for (const close of closers) close();
server.kill("SIGTERM");
await server.status;
await drainLogs.catch(() => {});

const delivered = stats.reduce((n, s) => n + s.received, 0);
const expectedPerClient = Math.max(...stats.map((s) => s.received));
const gaps = stats.reduce((n, s) => n + s.gaps, 0);
const behind = stats.filter((s) => s.received < expectedPerClient - 1).length;
const all = stats.flatMap((s) => s.latencies).sort((a, b) => a - b);
const pct = (p: number) =>
  all.length ? all[Math.min(all.length - 1, Math.floor(p * all.length))]! : NaN;
const result = {
  date: new Date().toISOString(),
  server: values.server,
  transport,
  clients: stats.length,
  ratePerSecond: rate,
  seconds,
  rampMs: Math.round(rampMs),
  deliveredMessages: delivered,
  expectedMessages: expectedPerClient * stats.length,
  clientsMissingMessages: behind,
  gaps,
  latencyMs: {
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    max: all.at(-1) ?? NaN,
  },
  serverCpuMsPer1000Messages: delivered
    ? Math.round(((end.cpuMs - startCpu) / delivered) * 1000 * 100) / 100
    : NaN,
  serverRssKiBPerConnection:
    Math.round(((connected.rssKiB - before.rssKiB) / stats.length) * 10) / 10,
  serverRssMiB: Math.round(end.rssKiB / 1024),
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(
    `${values.server}: ${result.clients} ${transport} clients, ${rate} updates/s for ${seconds} s`,
  );
  console.log(
    `delivered ${delivered} of ${result.expectedMessages} (clients missing messages: ${behind}, gaps: ${gaps})`,
  );
  console.log(
    `latency ms p50 ${result.latencyMs.p50} p95 ${result.latencyMs.p95} p99 ${result.latencyMs.p99} max ${result.latencyMs.max}`,
  );
  console.log(
    `server CPU ${result.serverCpuMsPer1000Messages} ms per 1,000 delivered messages; RSS ${result.serverRssKiBPerConnection} KiB per connection, ${result.serverRssMiB} MiB total`,
  );
}
if (gaps > 0 || behind > 0) Deno.exit(1);
