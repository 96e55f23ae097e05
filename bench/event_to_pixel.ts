// deno-lint-ignore-file no-console -- a command-line benchmark: the terminal is its interface
/**
 * `deno task bench:pixel`: what a user sees, end to end. A real server with
 * a webhook source; N WebSocket clients (1,000 by default) plus a few SSE
 * and long-poll clients, and one headless Chromium page on the board.
 * Signed webhook deliveries each add $1.00 to today's revenue; for each
 * one the benchmark times (a) the POST to the delta's arrival at every
 * client, per transport, and (b) the POST to the figure changing in the
 * page's DOM (a MutationObserver on the revenue figure). Prints p50/p99
 * in a Markdown table (docs/benchmarks.md holds a real run's).
 *
 * Usage: deno task bench:pixel [--clients 1000] [--events 50] [--rate 5]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { signWebhook } from "@/lib/security/mod.ts";
import { launchBrowser } from "../tests/_helpers/browser.ts";
import { startServerProcess } from "../tests/_helpers/server_process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "1000" },
    sse: { type: "string", default: "50" },
    poll: { type: "string", default: "50" },
    events: { type: "string", default: "50" },
    rate: { type: "string", default: "5" },
  },
});
const clients = Number(values.clients);
const sseClients = Number(values.sse);
const pollClients = Number(values.poll);
const events = Number(values.events);
const rate = Number(values.rate);
const SECRET = "whsec_bench";

/** When each event's POST went out (Date.now()), by its revenue in cents. */
const sentAt = new Map<number, number>();
/** Each transport's latencies, ms. */
const seen: Record<string, number[]> = { ws: [], sse: [], poll: [], dom: [] };

/** Records the arrival of a revenue figure (cents) over a transport. */
function arrived(transport: string, cents: number | undefined): void {
  if (cents === undefined) return;
  const at = sentAt.get(cents);
  if (at !== undefined) seen[transport]!.push(Date.now() - at);
}

/** Today's revenue in a delta's patch or a snapshot's data, if it moved. */
function revenueOf(message: Record<string, unknown>): number | undefined {
  const body = (message.patch ?? message.data) as
    | { periods?: { today?: { revenueMinor?: unknown } } }
    | undefined;
  const v = body?.periods?.today?.revenueMinor;
  return typeof v === "number" ? v : undefined;
}

const dir = await Deno.makeTempDir();
const file = `${dir}/sources.json`;
await Deno.writeTextFile(
  file,
  JSON.stringify({
    sources: [{
      id: "shop",
      kind: "webhook",
      role: "revenue",
      mode: "increment",
      secretEnv: "SHOP_SECRET",
    }],
  }),
);
await using server = await startServerProcess({
  // Every client is on loopback: lift the per-address cap, as fanout does.
  env: {
    PULSE_CONFIG: file,
    SHOP_SECRET: SECRET,
    PULSE_MAX_CONNECTIONS_PER_IP: "1000000",
    PULSE_MAX_PARKED_POLLS_PER_IP: "1000000",
  },
});
const base = new URL(server.url);
const wsUrl = `ws://${base.host}/api/ws?topic=pnl`;

// The WebSocket clients, connected a batch at a time.
const sockets: WebSocket[] = [];
for (let i = 0; i < clients; i++) {
  const socket = new WebSocket(wsUrl);
  socket.onmessage = (e) =>
    arrived("ws", revenueOf(JSON.parse(String(e.data))));
  sockets.push(socket);
  if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50));
}
await Promise.all(
  sockets.map((s) =>
    s.readyState === WebSocket.OPEN
      ? Promise.resolve()
      : new Promise((r) => s.addEventListener("open", r, { once: true }))
  ),
);

// SSE clients: one event per line pair.
const stop = new AbortController();
const sseDone: Promise<void>[] = [];
for (let i = 0; i < sseClients; i++) {
  sseDone.push((async () => {
    const res = await fetch(new URL("/api/sse?topic=pnl", base), {
      signal: stop.signal,
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const data = buffer.slice(0, end).split("\n").find((l) =>
            l.startsWith("data: ")
          );
          buffer = buffer.slice(end + 2);
          if (data) arrived("sse", revenueOf(JSON.parse(data.slice(6))));
        }
      }
    } catch {
      // Stopped at the end of the run.
    }
  })());
}

// Long-poll clients, each from its own cursor.
const pollDone: Promise<void>[] = [];
for (let i = 0; i < pollClients; i++) {
  pollDone.push((async () => {
    let cursor = "";
    while (!stop.signal.aborted) {
      try {
        const res = await fetch(
          new URL(`/api/poll?topic=pnl&timeout=20${cursor}`, base),
          { signal: stop.signal },
        );
        const body = await res.json();
        for (const m of body.messages) arrived("poll", revenueOf(m));
        cursor = `&since=${body.cursor.seq}&epoch=${body.cursor.epoch}`;
      } catch {
        return;
      }
    }
  })());
}

// The board in Chromium, watching its revenue figure.
await using browser = await launchBrowser();
const page = await browser.newPage();
await page.goto(server.url);
await page.waitForSelector("[data-status=live]", { timeout: 15_000 });
const pageTransport = await page.getAttribute(
  "[data-transport]",
  "data-transport",
);
await page.evaluate(() => {
  const changes: [string, number][] = [];
  (globalThis as unknown as { __changes: typeof changes }).__changes = changes;
  const target = document.querySelector("[data-testid=revenue]")!;
  new MutationObserver(() =>
    changes.push([target.textContent ?? "", Date.now()])
  ).observe(target, { characterData: true, childList: true, subtree: true });
});
await new Promise((r) => setTimeout(r, 1_000));

// The events: each adds $1.00.
for (let k = 1; k <= events; k++) {
  const body = JSON.stringify({ id: `evt_${k}`, amountMinor: 100 });
  const signature = await signWebhook(
    SECRET,
    Math.floor(Date.now() / 1000),
    new TextEncoder().encode(body),
  );
  sentAt.set(k * 100, Date.now());
  const res = await fetch(new URL("/api/ingest/shop", base), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "pulse-signature": signature,
    },
    body,
  });
  await res.body?.cancel();
  await new Promise((r) => setTimeout(r, 1000 / rate));
}
await new Promise((r) => setTimeout(r, 2_000));

const changes = await page.evaluate(() =>
  (globalThis as unknown as { __changes: [string, number][] }).__changes
);
for (const [text, at] of changes) {
  const cents = Math.round(Number(text.replace(/[^0-9.]/g, "")) * 100);
  const sent = sentAt.get(cents);
  if (sent !== undefined) seen.dom!.push(at - sent);
}
stop.abort();
for (const s of sockets) s.close();
await Promise.all([...sseDone, ...pollDone]);
await Deno.remove(dir, { recursive: true });

const pct = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
    : NaN;
};
const expected: Record<string, number> = {
  ws: clients * events,
  sse: sseClients * events,
  poll: pollClients * events,
  dom: events,
};
console.log(
  `\nEvent to pixel: ${events} signed webhook events at ${rate}/s, ${clients} WebSocket + ${sseClients} SSE + ${pollClients} long-poll clients and one Chromium page\n`,
);
console.log(
  "| measured | from the POST to | received / expected | p50 ms | p99 ms | max ms |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
const rows: [string, string][] = [
  ["ws", "the delta at each WebSocket client"],
  ["sse", "the event at each SSE client"],
  ["poll", "the answer at each long-poll client"],
  ["dom", `the figure changed in the page's DOM (over ${pageTransport})`],
];
for (const [key, what] of rows) {
  const xs = seen[key]!;
  console.log(
    `| ${key} | ${what} | ${xs.length} / ${expected[key]} | ${pct(xs, 0.5)} | ${
      pct(xs, 0.99)
    } | ${Math.max(...xs)} |`,
  );
}
