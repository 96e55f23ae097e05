// deno-lint-ignore-file no-console -- a benchmark baseline: prints its URL
/**
 * The runtime's floor for the fan-out benchmark: a minimal
 * `Deno.upgradeWebSocket` broadcast loop sending a P&L-sized delta at the
 * same rate, serialized once, with no protocol, history or backpressure.
 *
 * Usage (started by bench/fanout.ts): deno run -A bench/raw_ws_server.ts RATE
 *
 * @module
 */
const rate = Number(Deno.args[0] ?? "10");
const sockets = new Set<WebSocket>();
let seq = 1;
let net = 0;
setInterval(() => {
  net += Math.round((Math.random() - 0.48) * 8000);
  const now = new Date().toISOString();
  const text = JSON.stringify({
    type: "delta",
    topic: "pnl",
    epoch: "rawbaseline",
    seq: seq + 1,
    base: seq,
    ts: now,
    patch: {
      totals: {
        expensesMinor: seq * 7,
        tradingMinor: net,
        netMinor: net - seq * 7,
      },
      sources: {
        "sim-api-costs": { amountMinor: seq * 7, asOf: now },
        "sim-trading": { amountMinor: net, asOf: now },
      },
    },
  });
  seq++;
  for (const s of sockets) {
    if (s.readyState === WebSocket.OPEN) s.send(text);
  }
}, 1000 / rate);
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) =>
    console.log(
      JSON.stringify({ msg: "listening", url: `http://127.0.0.1:${port}/` }),
    ),
}, (req) => {
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.onopen = () => sockets.add(socket);
  socket.onclose = () => sockets.delete(socket);
  return response;
});
