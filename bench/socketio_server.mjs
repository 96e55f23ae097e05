/**
 * The Socket.IO 4 baseline of the fan-out benchmark, run with Node.js (what
 * most people would deploy it on): broadcasts the same P&L delta at the
 * same rate with `io.emit` (one encoding per broadcast), after a snapshot
 * of the same size on connection. Socket.IO is
 * installed into bench/.deps by bench/fanout.ts through npm.
 *
 * Usage: node bench/socketio_server.mjs RATE
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { makeDelta, makeSnapshot } from "./payload.mjs";

const require = createRequire(new URL("./.deps/", import.meta.url));
const { Server } = require("socket.io");

const rate = Number(process.argv[2] ?? "10");
const http = createServer();
const io = new Server(http, {
  serveClient: false,
  perMessageDeflate: false,
  transports: ["websocket", "polling"],
});
let seq = 1;
let net = 0;
// Each client first gets a snapshot of Pulseboard's size, as Pulseboard's do.
io.on("connection", (socket) => socket.emit("delta", makeSnapshot(seq, net)));
setInterval(() => {
  net += Math.round((Math.random() - 0.48) * 8000);
  io.emit("delta", makeDelta(seq, net));
  seq++;
}, 1000 / rate);
http.listen(0, "127.0.0.1", () => {
  const { port } = http.address();
  // deno-lint-ignore no-console -- prints its URL for the coordinator
  console.log(
    JSON.stringify({ msg: "listening", url: `http://127.0.0.1:${port}/` }),
  );
});
