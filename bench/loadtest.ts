// deno-lint-ignore-file no-console -- a command-line load tester: the terminal is its interface
/**
 * Load tester: opens N real StreamClients against a Pulseboard server,
 * ramping at a bounded rate, runs for a set time, shows progress, then
 * reports connections, delivery rate, end-to-end latency (from each
 * message's `ts`), gaps, resyncs, reconnects and bytes received.
 * Human-readable, or `--json`.
 *
 * Usage: deno task loadtest --url http://127.0.0.1:8000/ [--clients 100]
 *        [--transport ws|sse|poll|mix] [--seconds 10] [--ramp 200] [--token T] [--json]
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  type ClientState,
  StreamClient,
  type TransportName,
} from "@/lib/client/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string", default: "http://127.0.0.1:8000/" },
    clients: { type: "string", default: "100" },
    transport: { type: "string", default: "ws" },
    seconds: { type: "string", default: "10" },
    ramp: { type: "string", default: "200" },
    token: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  console.error(`loadtest: ${message}`);
  Deno.exit(2);
}

let base: URL;
try {
  base = new URL(values.url!);
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new Error();
  }
} catch {
  fail(
    `--url must be an http(s) URL such as http://127.0.0.1:8000/, received ${
      JSON.stringify(values.url)
    }`,
  );
}
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const ramp = Number(values.ramp);
if (!(Number.isInteger(clients) && clients >= 1 && clients <= 20_000)) {
  fail("--clients must be an integer from 1 to 20000");
}
if (!(seconds > 0 && seconds <= 3600)) fail("--seconds must be from 1 to 3600");
if (!(ramp >= 1 && ramp <= 10_000)) {
  fail("--ramp must be from 1 to 10000 clients per second");
}
const mix: TransportName[] = ["ws", "sse", "poll"];
if (![...mix, "mix"].includes(values.transport!)) {
  fail("--transport must be ws, sse, poll or mix");
}

try {
  const res = await fetch(new URL("/api/health", base), {
    signal: AbortSignal.timeout(5000),
  });
  await res.body?.cancel();
} catch (error) {
  fail(
    `cannot reach ${base.href}: ${
      error instanceof Error ? error.message : error
    }`,
  );
}

const token = values.token;
const getTicket = token
  ? async () => {
    const res = await fetch(new URL("/api/ticket", base), {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`ticket answered ${res.status}`);
    return (await res.json()).ticket as string;
  }
  : undefined;

interface Tally {
  connected: boolean;
  messages: number;
  lastSeq?: number;
  state?: ClientState;
}
const tallies: Tally[] = [];
const latencies: number[] = [];
const running: StreamClient[] = [];
let measuring = false;

const started = performance.now();
const progress = setInterval(() => {
  const connected = tallies.filter((t) => t.connected).length;
  const messages = tallies.reduce((n, t) => n + t.messages, 0);
  console.error(
    `  ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s: ${connected}/${clients} connected, ${messages} messages`,
  );
}, 1000);

for (let i = 0; i < clients; i++) {
  const tally: Tally = { connected: false, messages: 0 };
  tallies.push(tally);
  const transport = values.transport === "mix"
    ? mix[i % 3]!
    : values.transport as TransportName;
  const client = new StreamClient({
    baseUrl: base.href,
    transports: [transport],
    getTicket,
    onChange: (state) => {
      tally.state = state;
      if (state.status === "live") tally.connected = true;
      const seq = state.view?.seq;
      if (seq !== undefined && seq !== tally.lastSeq) {
        tally.lastSeq = seq;
        if (measuring) {
          tally.messages++;
          if (state.latencyMs !== undefined) latencies.push(state.latencyMs);
        }
      }
    },
  });
  client.start();
  running.push(client);
  if ((i + 1) % Math.max(1, Math.floor(ramp / 10)) === 0) {
    await new Promise((r) => setTimeout(r, 100));
  }
}
measuring = true;
const measuredFrom = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
measuring = false;
const measuredS = (performance.now() - measuredFrom) / 1000;
clearInterval(progress);
for (const c of running) c.close();

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies.length
    ? latencies[
      Math.min(latencies.length - 1, Math.floor(p * latencies.length))
    ]!
    : null;
const delivered = tallies.reduce((n, t) => n + t.messages, 0);
const report = {
  url: base.href,
  transport: values.transport,
  clients,
  connected: tallies.filter((t) => t.connected).length,
  failed: tallies.filter((t) => !t.connected).length,
  seconds: Math.round(measuredS * 10) / 10,
  messagesPerSecond: Math.round(delivered / measuredS),
  latencyMs: {
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    max: latencies.at(-1) ?? null,
  },
  gaps: tallies.reduce((n, t) => n + (t.state?.gaps ?? 0), 0),
  resyncs: tallies.reduce((n, t) => n + (t.state?.resyncs ?? 0), 0),
  bytesReceived: tallies.reduce((n, t) => n + (t.state?.bytesReceived ?? 0), 0),
  reconnects: tallies.reduce((n, t) => n + (t.state?.reconnects ?? 0), 0),
};
if (values.json) {
  console.log(JSON.stringify(report));
} else {
  console.log(
    `${report.connected}/${clients} ${report.transport} clients connected (${report.failed} failed) to ${report.url}`,
  );
  console.log(
    `${report.messagesPerSecond} state updates/s delivered over ${report.seconds} s`,
  );
  console.log(
    `latency ms p50 ${report.latencyMs.p50} p95 ${report.latencyMs.p95} p99 ${report.latencyMs.p99} max ${report.latencyMs.max}`,
  );
  console.log(
    `gaps ${report.gaps}, resyncs ${report.resyncs} (0 of each expected without faults), reconnects ${report.reconnects}`,
  );
  console.log(
    `received ${(report.bytesReceived / 1024 / 1024).toFixed(1)} MiB of text (${
      Math.round(report.bytesReceived / Math.max(1, report.connected))
    } per client)`,
  );
}
if (report.failed > 0) {
  console.error(
    "some clients never went live: a server refuses connections past PULSE_MAX_CONNECTIONS_PER_IP and " +
      "PULSE_MAX_PARKED_POLLS_PER_IP from one address (raise them for load tests from a single machine), " +
      "and past PULSE_MAX_CONNECTIONS in all (by default 80 % of its open-files limit less 100: raise ulimit -n)",
  );
}
Deno.exit(report.failed > 0 || report.resyncs > 0 || report.gaps > 0 ? 1 : 0);
