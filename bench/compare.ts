// deno-lint-ignore-file no-console -- a command-line benchmark: the terminal is its interface
/**
 * `deno task bench`: the side-by-side benchmark, in one run on one machine.
 *
 * - Fan-out at each client count (1,000 and 5,000 by default), 10 updates/s:
 *   Pulseboard over WebSocket and SSE, the raw Deno WebSocket and SSE
 *   broadcast floors, and Socket.IO 4 on Node (installed through npm on
 *   first use), with ratios to each baseline.
 * - Long-poll at 1,000 clients: Pulseboard, Socket.IO's polling and a raw
 *   Deno long-poll floor.
 * - Idle capacity: memory per idle connection at 10,000 WebSocket and SSE
 *   connections, against the floors.
 * - Payload efficiency: bytes per update of a merge-patch delta against a
 *   full snapshot, for a 20-source board where one source changes.
 *
 * Prints Markdown tables (docs/benchmarks.md holds a real run's).
 *
 * - Every core: a saturating WebSocket load (`--saturate CLIENTSxRATE`)
 *   on PULSE_WORKERS=1 and =2.
 * - What a user sees: bench/event_to_pixel.ts and bench/browser_cost.ts
 *   (a headless Chromium; `--no-browser` skips them).
 *
 * Usage: deno task bench [--clients 1000,5000] [--rate 10] [--seconds 30]
 *        [--idle-clients 10000] [--saturate 3000x50] [--no-browser] [--quick]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { buildPnlState, type SourceReport } from "@/lib/aggregate/mod.ts";
import { createMergePatch, type JsonObject } from "@/lib/protocol/mod.ts";
import { createHubMessage } from "@/lib/stream/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "1000,5000" },
    rate: { type: "string", default: "10" },
    // 10 s windows scattered the ratios by +-8 % on a shared VM.
    seconds: { type: "string", default: "30" },
    "idle-clients": { type: "string", default: "10000" },
    quick: { type: "boolean", default: false },
    saturate: { type: "string", default: "3000x50" },
    "no-browser": { type: "boolean", default: false },
  },
});
const quick = values.quick;
const counts = quick ? [200] : values.clients!.split(",").map(Number);
const seconds = quick ? "3" : values.seconds!;
const idleClients = quick ? "500" : values["idle-clients"]!;

interface Result {
  server: string;
  transport: string;
  clients: number;
  deliveredMessages: number;
  expectedMessages: number;
  clientsMissingMessages: number;
  drainMs: number;
  publishedPerSecond: number;
  generator: string;
  gaps: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  bytesPerMessage: number;
  serverCpuMsPer1000Messages: number;
  fanoutCpuMsPer1000Messages: number;
  publisherCpuMsPerSecond: number;
  generatorCorePercent: number;
  serverRssKiBPerConnection: number;
  serverRssMiB: number;
}

async function run(
  server: string,
  transport: string,
  clients: number | string,
  extra: string[] = [],
): Promise<Result> {
  console.error(
    `running ${server} ${transport} x ${clients} ${extra.join(" ")}`,
  );
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
      String(clients),
      "--rate",
      values.rate!,
      "--seconds",
      seconds,
      // The publisher's cost is subtracted from every fan-out figure: read
      // it long enough that its own noise stays small.
      "--publisher-seconds",
      quick ? "2" : "10",
      ...extra,
    ],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "inherit",
  }).output();
  // A run with gaps exits 1 but still reports: the table shows it.
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1);
  if (!text) throw new Error(`${server} ${transport}: no result`);
  return JSON.parse(text);
}

const label: Record<string, string> = {
  raw: "raw Deno",
  pulseboard: "Pulseboard",
  socketio: "Socket.IO 4 (Node)",
};
const ratio = (a: number, b?: number) =>
  b && Number.isFinite(a) && Number.isFinite(b)
    ? `${(a / b).toFixed(2)}x`
    : "-";

console.log(
  `# deno task bench, ${
    new Date().toISOString()
  }, ${values.rate} updates/s, ${seconds} s windows\n`,
);
for (const n of counts) {
  const rawWs = await run("raw", "ws", n);
  const rawSse = await run("raw", "sse", n);
  const sio = await run("socketio", "ws", n);
  const pbWs = await run("pulseboard", "ws", n);
  const pbSse = await run("pulseboard", "sse", n);
  console.log(`## ${n.toLocaleString("en")} clients\n`);
  console.log(
    `WebSocket clients from the ${
      rawWs.generator === "native"
        ? "native load generator (bench/native/load_sink.c)"
        : "Deno load generator (bench/load_worker.ts)"
    }, SSE clients from the Deno one.\n`,
  );
  console.log(
    "| server | transport | published/s | delivered / expected | clients short | gaps | all delivered after close | p50 / p99 ms | bytes/msg | CPU ms per 1k msgs | CPU vs floor | fan-out ms per 1k (less publishing) | fan-out vs floor | CPU vs Socket.IO | p99 vs floor | p99 vs Socket.IO | RSS KiB/conn | generators, % of a core |",
  );
  console.log(
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (
    const [r, floor] of [[rawWs, rawWs], [pbWs, rawWs], [sio, rawWs], [
      rawSse,
      rawSse,
    ], [pbSse, rawSse]] as const
  ) {
    console.log(
      `| ${label[r.server]} | ${r.transport} | ${r.publishedPerSecond} | ${
        r.deliveredMessages.toLocaleString("en")
      } / ${
        r.expectedMessages.toLocaleString("en")
      } | ${r.clientsMissingMessages} | ${r.gaps} | ${r.drainMs} ms | ${r.latencyMs.p50} / ${r.latencyMs.p99} | ${r.bytesPerMessage} | ${r.serverCpuMsPer1000Messages} | ${
        ratio(r.serverCpuMsPer1000Messages, floor.serverCpuMsPer1000Messages)
      } | ${r.fanoutCpuMsPer1000Messages} | ${
        ratio(r.fanoutCpuMsPer1000Messages, floor.fanoutCpuMsPer1000Messages)
      } | ${
        ratio(r.serverCpuMsPer1000Messages, sio.serverCpuMsPer1000Messages)
      } | ${ratio(r.latencyMs.p99, floor.latencyMs.p99)} | ${
        ratio(r.latencyMs.p99, sio.latencyMs.p99)
      } | ${r.serverRssKiBPerConnection} | ${r.generatorCorePercent} |`,
    );
  }
  console.log("");
}

// On a small machine the load generators saturate before the servers do at
// the top count, and then latency measures them. Half the rate, same
// clients: a load they keep up with, so p99 compares the servers.
if (!quick) {
  const top = Math.max(...counts);
  const half = String(Number(values.rate) / 2);
  const rawHalf = await run("raw", "ws", top, ["--rate", half]);
  const sioHalf = await run("socketio", "ws", top, ["--rate", half]);
  const pbHalf = await run("pulseboard", "ws", top, ["--rate", half]);
  console.log(
    `## ${top.toLocaleString("en")} WebSocket clients at ${half} updates/s\n`,
  );
  console.log(
    "| server | published/s | delivered / expected | clients short | gaps | p50 / p99 ms | p99 vs Socket.IO | CPU ms per 1k msgs | CPU vs floor | CPU vs Socket.IO |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of [rawHalf, pbHalf, sioHalf]) {
    console.log(
      `| ${label[r.server]} | ${r.publishedPerSecond} | ${
        r.deliveredMessages.toLocaleString("en")
      } / ${
        r.expectedMessages.toLocaleString("en")
      } | ${r.clientsMissingMessages} | ${r.gaps} | ${r.latencyMs.p50} / ${r.latencyMs.p99} | ${
        ratio(r.latencyMs.p99, sioHalf.latencyMs.p99)
      } | ${r.serverCpuMsPer1000Messages} | ${
        ratio(
          r.serverCpuMsPer1000Messages,
          rawHalf.serverCpuMsPer1000Messages,
        )
      } | ${
        ratio(r.serverCpuMsPer1000Messages, sioHalf.serverCpuMsPer1000Messages)
      } |`,
    );
  }
  console.log("");
}

const pollClients = quick ? 200 : 1000;
const rawPoll = await run("raw", "poll", pollClients);
const sioPoll = await run("socketio", "poll", pollClients);
const poll = await run("pulseboard", "poll", pollClients);
console.log("## Long-poll\n");
console.log(
  "| server | clients | delivered / expected | gaps | p50 / p99 ms | CPU ms per 1k msgs | CPU vs Socket.IO polling | fan-out ms per 1k (less publishing) | fan-out vs Socket.IO polling | fan-out vs raw floor | generators, % of a core |",
);
console.log(
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
);
for (const r of [rawPoll, sioPoll, poll]) {
  console.log(
    `| ${label[r.server]} | ${r.clients} | ${
      r.deliveredMessages.toLocaleString("en")
    } / ${
      r.expectedMessages.toLocaleString("en")
    } | ${r.gaps} | ${r.latencyMs.p50} / ${r.latencyMs.p99} | ${r.serverCpuMsPer1000Messages} | ${
      ratio(r.serverCpuMsPer1000Messages, sioPoll.serverCpuMsPer1000Messages)
    } | ${r.fanoutCpuMsPer1000Messages} | ${
      ratio(r.fanoutCpuMsPer1000Messages, sioPoll.fanoutCpuMsPer1000Messages)
    } | ${
      ratio(r.fanoutCpuMsPer1000Messages, rawPoll.fanoutCpuMsPer1000Messages)
    } | ${r.generatorCorePercent} |`,
  );
}
console.log("");

console.log(
  `## Idle capacity: ${Number(idleClients).toLocaleString("en")} connections\n`,
);
console.log("| server | transport | RSS KiB per connection | vs floor |");
console.log("| --- | --- | --- | --- |");
for (const transport of ["ws", "sse"]) {
  const floor = await run("raw", transport, idleClients, ["--idle"]);
  const pb = await run("pulseboard", transport, idleClients, ["--idle"]);
  for (const r of [floor, pb]) {
    console.log(
      `| ${label[r.server]} | ${transport} | ${r.serverRssKiBPerConnection} | ${
        ratio(r.serverRssKiBPerConnection, floor.serverRssKiBPerConnection)
      } |`,
    );
  }
}
console.log("");

// Every core: the same saturating load on one worker and on two.
if (!quick) {
  const [clients, rate] = values.saturate!.split("x").map(Number);
  const asked = clients! * rate!;
  console.log(
    `## Every core: ${
      clients!.toLocaleString("en")
    } WebSocket clients x ${rate}/s (${
      asked.toLocaleString("en")
    } messages/s asked)\n`,
  );
  console.log(
    "| PULSE_WORKERS | published/s | delivered/s | clients short | p50 / p99 ms | server CPU ms per 1k msgs | server RSS MiB | generators, % of a core |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const workers of ["1", "2"]) {
    const r = await run("pulseboard", "ws", clients!, [
      "--rate",
      String(rate),
      "--server-workers",
      workers,
    ]);
    console.log(
      `| ${workers} | ${r.publishedPerSecond} | ${
        Math.round(r.deliveredMessages / Number(seconds)).toLocaleString("en")
      } | ${r.clientsMissingMessages} | ${r.latencyMs.p50} / ${r.latencyMs.p99} | ${r.serverCpuMsPer1000Messages} | ${r.serverRssMiB} | ${r.generatorCorePercent} |`,
    );
  }
  console.log("");
}

// What a user sees: event to pixel, and the browser's own cost.
if (!quick && !values["no-browser"]) {
  for (const script of ["bench/event_to_pixel.ts", "bench/browser_cost.ts"]) {
    console.error(`running ${script}`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      cwd: new URL("..", import.meta.url),
      stdout: "piped",
      stderr: "inherit",
    }).output();
    console.log(`## ${script}\n`);
    console.log(new TextDecoder().decode(out.stdout).trim());
    console.log("");
  }
}

// Payload efficiency: a 20-source board, one source changes.
const at = "2026-11-28T12:00:00.000Z";
const reports: Record<string, SourceReport> = {};
const roles = ["revenue", "expense", "trading"] as const;
for (let i = 0; i < 20; i++) {
  const role = roles[i % 3]!;
  reports[`source-${String(i).padStart(2, "0")}`] = {
    kind: "http-json",
    role,
    status: "ok",
    origin: "live",
    reading: {
      source: `source-${i}`,
      role,
      amountMinor: 100_000 + i * 1_234,
      currency: "USD",
      asOf: at,
    },
  };
}
const before = buildPnlState(reports, "USD", { at: Date.parse(at) });
const changed = reports["source-07"]!;
reports["source-07"] = {
  ...changed,
  reading: {
    ...changed.reading!,
    amountMinor: changed.reading!.amountMinor + 4_200,
    asOf: "2026-11-28T12:00:01.000Z",
  },
};
const after = buildPnlState(reports, "USD", { at: Date.parse(at) });
const snapshotBytes = createHubMessage({
  type: "snapshot",
  topic: "pnl",
  epoch: "Ab3dEf6hIj9k",
  seq: 1001,
  ts: at,
  data: after,
}).text.length;
const deltaBytes = createHubMessage({
  type: "delta",
  topic: "pnl",
  epoch: "Ab3dEf6hIj9k",
  seq: 1001,
  base: 1000,
  ts: at,
  patch: createMergePatch(before, after) as JsonObject,
}).text.length;
console.log("## Payload: a 20-source board, one source changes\n");
console.log("| message | bytes |");
console.log("| --- | --- |");
console.log(`| full snapshot | ${snapshotBytes} |`);
console.log(
  `| merge-patch delta | ${deltaBytes} (${
    (snapshotBytes / deltaBytes).toFixed(1)
  }x smaller) |`,
);
