// deno-lint-ignore-file no-console -- a command-line benchmark: the terminal is its interface
/**
 * `deno task bench`: runs the fan-out benchmark against Pulseboard (WebSocket
 * and SSE) and against the raw `Deno.upgradeWebSocket` broadcast floor, in
 * one run with the same client count and rate, and prints each result and
 * the ratios to the floor (the machine is shared and noisy: compare ratios).
 *
 * Usage: deno task bench [--clients 1000] [--rate 10] [--seconds 10]
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
  },
});

interface Result {
  server: string;
  transport: string;
  deliveredMessages: number;
  expectedMessages: number;
  gaps: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  serverCpuMsPer1000Messages: number;
  serverRssKiBPerConnection: number;
}

async function run(server: string, transport: string): Promise<Result> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "bench/fanout.ts",
      "--json",
      "--server",
      server,
      "--transport",
      transport,
      "--clients",
      values.clients!,
      "--rate",
      values.rate!,
      "--seconds",
      values.seconds!,
    ],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ??
    "";
  return JSON.parse(text);
}

const floor = await run("raw", "ws");
const results = [
  floor,
  await run("pulseboard", "ws"),
  await run("pulseboard", "sse"),
];
console.log(
  `${values.clients} clients, ${values.rate} updates/s, ${values.seconds} s, ${
    new Date().toISOString()
  }`,
);
console.log(
  "server      transport  delivered/expected  gaps  p50/p99 ms  CPU ms/1k msgs  RSS KiB/conn  CPU vs floor  RSS vs floor",
);
for (const r of results) {
  console.log(
    [
      r.server.padEnd(11),
      r.transport.padEnd(10),
      `${r.deliveredMessages}/${r.expectedMessages}`.padEnd(19),
      String(r.gaps).padEnd(5),
      `${r.latencyMs.p50}/${r.latencyMs.p99}`.padEnd(11),
      String(r.serverCpuMsPer1000Messages).padEnd(15),
      String(r.serverRssKiBPerConnection).padEnd(13),
      (r.serverCpuMsPer1000Messages / floor.serverCpuMsPer1000Messages).toFixed(
        2,
      ).padEnd(13),
      (r.serverRssKiBPerConnection / floor.serverRssKiBPerConnection).toFixed(
        2,
      ),
    ].join(" "),
  );
}
