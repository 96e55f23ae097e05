/**
 * Builds the real application in-process over a hub on a fake clock, for
 * route tests that need no network.
 */
import { buildPnlState } from "@/lib/aggregate/mod.ts";
import type { HistoryReader } from "@/lib/store/mod.ts";
import { type Config, parseConfig } from "@/lib/config.ts";
import { hostPolicy } from "@/lib/http/mod.ts";
import { createLogger } from "@/lib/log.ts";
import { ConnectionRegistry, Hub } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import type { Hono } from "hono";
import { createApp } from "@/routes/mod.ts";
import { ROOT } from "./server_process.ts";
import { testStreamOptions } from "./stream_options.ts";
import { testParts } from "./deps.ts";

/** An in-process app and its parts. */
export interface TestApp extends Disposable {
  clock: FakeClock;
  hub: Hub;
  app: Hono;
  logs: string[];
  /** The open streaming connections. */
  connections: ConnectionRegistry;
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

/** Builds the app over a fresh hub on a fake clock. */
export function makeTestApp(
  overrides: {
    config?: Config;
    history?: HistoryReader;
    start?: number;
    adminAction?: (r: { action: "read" | "reset"; source: string }) => boolean;
    disconnect?: (id: string) => boolean;
  } = {},
): TestApp {
  const config = overrides.config ?? parseConfig({});
  const clock = new FakeClock({
    start: overrides.start ?? Date.parse("2026-11-28T13:00:00.000Z"),
  });
  const hub = new Hub({
    clock,
    epoch: "app-epoch",
    topics: { pnl: buildPnlState({}, "USD") },
  });
  const logs: string[] = [];
  const connections = new ConnectionRegistry();
  const app = createApp({
    config,
    hub,
    clock,
    log: createLogger({ write: (l) => logs.push(l), now: () => clock.now() }),
    connections,
    stream: testStreamOptions(clock),
    ...testParts(config, clock),
    staticDir: `${ROOT}static`,
    islandScript: "/static/_islands/islands-test.js",
    hosts: hostPolicy(["pulse.test"]),
    history: overrides.history,
    ...(overrides.adminAction ? { adminAction: overrides.adminAction } : {}),
    ...(overrides.disconnect ? { disconnect: overrides.disconnect } : {}),
  });
  const request = (path: string, init?: RequestInit) =>
    app.fetch(new Request(new URL(path, "http://pulse.test"), init));
  return {
    clock,
    hub,
    app,
    logs,
    connections,
    request,
    [Symbol.dispose]: () => hub.close(),
  };
}
