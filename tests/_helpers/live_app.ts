/**
 * The real application served on 127.0.0.1 port 0 in this process, over a
 * hub the test publishes to, so transports are exercised over real sockets
 * while the test knows the state at every seq.
 */
import { type JsonObject } from "@/lib/protocol/mod.ts";
import {
  ConnectionRegistry,
  Hub,
  type StreamOptions,
} from "@/lib/stream/mod.ts";
import { parseConfig } from "@/lib/config.ts";
import { createLogger } from "@/lib/log.ts";
import { systemClock } from "@/lib/time/mod.ts";
import { createApp } from "@/routes/mod.ts";
import { ROOT } from "./server_process.ts";
import { testStreamOptions } from "./stream_options.ts";
import { testParts } from "./deps.ts";

/** A served app and its hub. */
export interface LiveApp extends AsyncDisposable {
  /** Base URL, such as `http://127.0.0.1:40123/`. */
  url: string;
  /** The hub behind every route. */
  hub: Hub;
  /** The state published at each seq (seq 1 is the initial state). */
  states: Map<number, JsonObject>;
  /** Open connections, for shutdown tests. */
  connections: ConnectionRegistry;
  /** Closes every connection as shutdown would, then the server. */
  close(): Promise<void>;
}

/** Serves the app over a hub with `initial` as topic `pnl`. */
export function serveLiveApp(
  options: {
    initial?: JsonObject;
    batchMs?: number;
    stream?: Partial<StreamOptions>;
    historyCount?: number;
    env?: Record<string, string>;
  } = {},
): Promise<LiveApp> {
  const { initial = { n: 0 }, batchMs = 5, historyCount } = options;
  const states = new Map<number, JsonObject>([[1, initial]]);
  const hub = new Hub({
    clock: systemClock,
    topics: { pnl: initial },
    batchMs,
    historyCount,
    onPublish: (_topic, message, state) =>
      states.set(message.envelope.seq, state),
  });
  const connections = new ConnectionRegistry();
  const config = parseConfig(options.env ?? {});
  const logs: string[] = [];
  const app = createApp({
    config,
    hub,
    clock: systemClock,
    log: createLogger({ write: (l) => logs.push(l), now: () => Date.now() }),
    connections,
    stream: testStreamOptions(systemClock, {
      random: Math.random,
      ...options.stream,
    }),
    ...testParts(config, systemClock),
    staticDir: `${ROOT}static`,
  });
  const { promise, resolve } = Promise.withResolvers<LiveApp>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => {
      let closing: Promise<void> | undefined;
      const close = () =>
        closing ??= (async () => {
          await connections.closeAll(1001, "server shutting down", {
            clock: systemClock,
            graceMs: 1000,
          });
          hub.close();
          await server.shutdown();
        })();
      resolve({
        url: `http://127.0.0.1:${port}/`,
        hub,
        states,
        connections,
        close,
        [Symbol.asyncDispose]: close,
      });
    },
  }, app.fetch);
  return promise;
}
