// deno-lint-ignore-file no-console -- a benchmark worker: it talks over stdin/stdout
/**
 * One load-generator process of the fan-out benchmark: opens `--clients`
 * connections of one protocol to `--url`, checks each client's chain of
 * deltas, and answers the coordinator (bench/fanout.ts) over stdin/stdout:
 * it prints `{"connected":n}` once connected. The measured window is a
 * span of publication time: `window T0 T1` (epoch ms) clears its counters
 * and counts the deltas whose `ts` is in [T0, T1); `drain MS` waits up to
 * MS for every client to have received a delta published at or after T1
 * (so, in order, every delta of the window), then prints its counts, how
 * many clients got there and when, and a latency histogram of the
 * window's deltas as one JSON line; `stop` exits. Several of these run at
 * once so the load generator is not the bottleneck.
 *
 * Protocols: `ws`, `sse`, `poll` (Pulseboard's), `raw-ws`, `raw-sse` (the
 * runtime floors), `socketio` and `socketio-poll` (Engine.IO v4 over
 * WebSocket or long-polling, spoken directly).
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string" },
    clients: { type: "string", default: "100" },
    protocol: { type: "string", default: "ws" },
  },
});
const base = values.url!;
const count = Number(values.clients);
const protocol = values.protocol!;

interface Client {
  seq: number;
  received: number;
  gaps: number;
  snapshots: number;
  /** When it received its first delta published after the window. */
  pastEndAt?: number;
}

/** The window: deltas published in [from, to) (epoch ms) are counted. */
let from = Infinity;
let to = Infinity;
/** Deltas of the window that covered several seqs (catch-ups). */
let composed = 0;

const clients: Client[] = [];
const closers: (() => void)[] = [];
/** Latency histogram: index = whole milliseconds, capped. */
const MAX_MS = 60_000;
let histogram = new Map<number, number>();
let bytes = 0;

/** Follows one envelope; whether it is a delta counted in the window. */
function onEnvelope(
  c: Client,
  m: { type: string; seq: number; base?: number; ts: string },
): boolean {
  if (m.type === "snapshot") {
    c.snapshots++;
    c.seq = m.seq;
    return false;
  }
  if (m.type !== "delta") return false;
  // The floors send no snapshot: the first delta starts the chain.
  if (c.seq !== 0 && m.base !== c.seq) c.gaps++;
  // A delta composed for a client that fell behind covers several seqs.
  const covers = c.seq !== 0 && m.base === c.seq ? m.seq - m.base : 1;
  c.seq = m.seq;
  const now = Date.now();
  const at = Date.parse(m.ts);
  if (at >= to) c.pastEndAt ??= now;
  if (!(at >= from && at < to)) return false;
  c.received += covers;
  if (covers > 1) composed++;
  const ms = Math.min(MAX_MS, Math.max(0, now - at));
  histogram.set(ms, (histogram.get(ms) ?? 0) + 1);
  return true;
}

const TYPE = /"type":"(\w+)"/;
const SEQ = /"seq":(\d+)/;
const BASE = /"base":(\d+)/;
const TS = /"ts":"([^"]+)"/;

/**
 * Reads an envelope's position without parsing it whole: every server here
 * writes `type`, `seq`, `base` and `ts` before the payload, and a load
 * generator that parses 50,000 payloads a second would measure itself.
 */
function head(text: string) {
  const h = text.slice(0, 240);
  return {
    type: TYPE.exec(h)?.[1] ?? "",
    seq: Number(SEQ.exec(h)?.[1]),
    base: BASE.test(h) ? Number(BASE.exec(h)![1]) : undefined,
    ts: TS.exec(h)?.[1] ?? "",
  };
}

function onText(c: Client, text: string) {
  if (onEnvelope(c, head(text))) bytes += text.length;
}

function wsUrl(path: string): string {
  return `${base.replace(/^http/, "ws")}${path}`;
}

async function openWs(
  c: Client,
  path: string,
  onMessage: (ws: WebSocket, text: string) => void,
) {
  const ws = new WebSocket(wsUrl(path));
  ws.onmessage = (e) => onMessage(ws, String(e.data));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot connect to ${path}`));
  });
  closers.push(() => ws.close());
  void c;
}

async function openSse(c: Client, path: string) {
  const abort = new AbortController();
  const response = await fetch(`${base}${path}`, { signal: abort.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream())
    .getReader();
  closers.push(() => abort.abort());
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
          const at = event.indexOf("data: ");
          if (at >= 0) {
            onText(
              c,
              event.slice(
                at + 6,
                event.indexOf("\n", at) >= 0
                  ? event.indexOf("\n", at)
                  : undefined,
              ),
            );
          }
        }
      }
    } catch {
      // Aborted at the end.
    }
  })();
}

async function openPoll(c: Client) {
  const abort = new AbortController();
  closers.push(() => abort.abort());
  let cursor = "";
  const handle = async (response: Response) => {
    const text = await response.text();
    bytes += text.length;
    const body = JSON.parse(text);
    for (const m of body.messages) onEnvelope(c, m);
    cursor = `&since=${body.cursor.seq}&epoch=${body.cursor.epoch}`;
  };
  await handle(
    await fetch(`${base}api/poll?topic=pnl`, { signal: abort.signal }),
  );
  (async () => {
    while (!abort.signal.aborted) {
      try {
        await handle(
          await fetch(`${base}api/poll?topic=pnl${cursor}&timeout=25`, {
            signal: abort.signal,
          }),
        );
      } catch {
        // Aborted at the end.
      }
    }
  })();
}

/** Engine.IO v4 long-polling, as Socket.IO's polling transport speaks it. */
async function openSocketIoPoll(c: Client) {
  const abort = new AbortController();
  closers.push(() => abort.abort());
  const at = (sid?: string) =>
    `${base}socket.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ""}`;
  const open = await (await fetch(at(), { signal: abort.signal })).text();
  const sid = JSON.parse(open.slice(1)).sid as string;
  const post = (body: string) =>
    fetch(at(sid), { method: "POST", body, signal: abort.signal })
      .then((r) => r.body?.cancel());
  await post("40");
  (async () => {
    while (!abort.signal.aborted) {
      try {
        const text = await (await fetch(at(sid), { signal: abort.signal }))
          .text();
        bytes += text.length;
        for (const packet of text.split("\x1e")) {
          if (packet === "2") await post("3");
          else if (packet.startsWith("42")) onEnvelope(c, head(packet));
        }
      } catch {
        // Aborted at the end.
      }
    }
  })();
}

function openClient(): Promise<void> {
  const c: Client = { seq: 0, received: 0, gaps: 0, snapshots: 0 };
  clients.push(c);
  switch (protocol) {
    case "ws":
      return openWs(c, "api/ws?topic=pnl", (_ws, text) => onText(c, text));
    case "raw-ws":
      return openWs(c, "", (_ws, text) => onText(c, text));
    case "sse":
      return openSse(c, "api/sse?topic=pnl");
    case "raw-sse":
      return openSse(c, "sse");
    case "poll":
      return openPoll(c);
    case "socketio-poll":
      return openSocketIoPoll(c);
    case "socketio":
      // Engine.IO v4: "0{...}" open, "40" connect, "42[event,data]", ping "2" -> pong "3".
      return openWs(c, "socket.io/?EIO=4&transport=websocket", (ws, text) => {
        if (text === "2") ws.send("3");
        else if (text.startsWith("0")) ws.send("40");
        else if (text.startsWith("42")) onText(c, text);
      });
    default:
      throw new Error(`unknown protocol ${protocol}`);
  }
}

// Ramp at a bounded rate: 100 connections at a time.
for (let i = 0; i < count; i += 100) {
  await Promise.all(
    Array.from({ length: Math.min(100, count - i) }, openClient),
  );
}
console.log(JSON.stringify({ connected: clients.length }));

const input = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let pending = "";
for await (const chunk of input) {
  pending += chunk;
  let nl: number;
  while ((nl = pending.indexOf("\n")) >= 0) {
    const command = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    const [verb, arg1, arg2] = command.split(" ");
    if (verb === "window") {
      for (const c of clients) {
        c.received = 0;
        c.pastEndAt = undefined;
      }
      histogram = new Map();
      bytes = 0;
      composed = 0;
      from = Number(arg1);
      to = Number(arg2);
      console.log(JSON.stringify({ window: [from, to] }));
    } else if (verb === "drain") {
      const until = performance.now() + Number(arg1);
      while (
        clients.some((c) => c.pastEndAt === undefined) &&
        performance.now() < until
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const reached = clients.filter((c) => c.pastEndAt !== undefined);
      console.log(JSON.stringify({
        clients: clients.length,
        received: clients.map((c) => c.received),
        reached: reached.length,
        lastReachedAt: Math.max(0, ...reached.map((c) => c.pastEndAt!)),
        gaps: clients.reduce((n, c) => n + c.gaps, 0),
        snapshots: clients.reduce((n, c) => n + c.snapshots, 0),
        composed,
        bytes,
        histogram: [...histogram],
      }));
    } else if (verb === "stop") {
      for (const close of closers) close();
      Deno.exit(0);
    }
  }
}
