// deno-lint-ignore-file no-console -- a benchmark baseline: prints its URL
/**
 * The runtime's floors for the fan-out benchmark: a minimal
 * `Deno.upgradeWebSocket` broadcast loop (any path) and a minimal
 * Server-Sent Events broadcast (`/sse`), and a minimal long-poll
 * (`/api/poll?since=N`, answered from a short history or parked until the
 * next delta, in Pulseboard's answer shape), sending a P&L-sized delta at the
 * same rate, serialized once, with no protocol checks, limits or
 * backpressure.
 * Each client first gets a snapshot of Pulseboard's size, as every real
 * protocol sends its initial state (and the runtime keeps a write buffer
 * per connection as large as the largest message sent).
 *
 * Usage (started by bench/fanout.ts): deno run -A bench/raw_server.ts RATE
 *
 * @module
 */
import { makeDelta, makeSnapshot } from "./payload.mjs";

const rate = Number(Deno.args[0] ?? "10");
const sockets = new Set<WebSocket>();
const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
const encoder = new TextEncoder();
/** The last deltas by seq, for polls that ask from behind the head. */
const recent = new Map<number, string>();
/** Parked polls, woken by the next delta. */
let parked: Array<() => void> = [];
let seq = 1;
let net = 0;
setInterval(() => {
  net += Math.round((Math.random() - 0.48) * 8000);
  const text = JSON.stringify(makeDelta(seq, net));
  const frame = encoder.encode(`id: ${seq + 1}\ndata: ${text}\n\n`);
  seq++;
  recent.set(seq, text);
  recent.delete(seq - 100);
  for (const s of sockets) {
    if (s.readyState === WebSocket.OPEN) s.send(text);
  }
  for (const c of streams) c.enqueue(frame);
  const waking = parked;
  parked = [];
  for (const wake of waking) wake();
}, 1000 / rate);

/** A long-poll answer: what came after `since`, or the snapshot. */
function pollBody(since: number | undefined): string {
  const texts = since === undefined
    ? [JSON.stringify(makeSnapshot(seq, net))]
    : Array.from({ length: seq - since }, (_, i) => recent.get(since + i + 1)!);
  return `{"messages":[${
    texts.join(",")
  }],"cursor":{"epoch":"raw","seq":${seq}}}`;
}

async function longPoll(url: URL): Promise<Response> {
  const asked = url.searchParams.get("since");
  const since = asked === null ? undefined : Number(asked);
  if (since !== undefined && since >= seq) {
    await new Promise<void>((resolve) => parked.push(resolve));
  }
  return new Response(pollBody(since), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}
// A clean exit on SIGTERM, so that a --cpu-prof profile is written.
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) =>
    console.log(
      JSON.stringify({ msg: "listening", url: `http://127.0.0.1:${port}/` }),
    ),
}, (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/api/poll") return longPoll(url);
  if (url.pathname === "/sse") {
    let controller: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        streams.add(c);
        c.enqueue(encoder.encode(
          `id: ${seq}\ndata: ${JSON.stringify(makeSnapshot(seq, net))}\n\n`,
        ));
      },
      cancel() {
        streams.delete(controller);
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
      },
    });
  }
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.onopen = () => {
    sockets.add(socket);
    socket.send(JSON.stringify(makeSnapshot(seq, net)));
  };
  socket.onclose = () => sockets.delete(socket);
  return response;
});
