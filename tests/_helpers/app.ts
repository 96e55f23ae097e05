/**
 * Builds the real application in-process over a hub on a fake clock, for
 * route tests that need no network.
 */
import { buildPnlState } from "@/lib/aggregate/mod.ts";
import { type Config, parseConfig } from "@/lib/config.ts";
import { judgeHealth } from "@/lib/health.ts";
import { createLogger } from "@/lib/log.ts";
import { Metrics } from "@/lib/metrics.ts";
import { Authenticator } from "@/lib/security/mod.ts";
import { ConnectionRegistry, Hub } from "@/lib/stream/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import type { Hono } from "hono";
import { createApp } from "@/routes/mod.ts";
import { ROOT } from "./server_process.ts";
import { testStreamOptions } from "./stream_options.ts";

/** An in-process app and its parts. */
export interface TestApp extends Disposable {
  clock: FakeClock;
  hub: Hub;
  app: Hono;
  logs: string[];
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

/** Builds the app over a fresh hub on a fake clock. */
export function makeTestApp(overrides: { config?: Config } = {}): TestApp {
  const clock = new FakeClock({
    start: Date.parse("2026-11-28T13:00:00.000Z"),
  });
  const hub = new Hub({
    clock,
    epoch: "app-epoch",
    topics: { pnl: buildPnlState({}, "USD") },
  });
  const logs: string[] = [];
  const app = createApp({
    config: overrides.config ?? parseConfig({}),
    hub,
    clock,
    log: createLogger({ write: (l) => logs.push(l), now: () => clock.now() }),
    connections: new ConnectionRegistry(),
    stream: testStreamOptions(clock),
    auth: new Authenticator({
      tokens: (overrides.config ?? parseConfig({})).tokens,
      secret: "test-secret-test-secret-test-secret!",
      clock,
    }),
    metrics: new Metrics(),
    health: () =>
      judgeHealth({
        stopping: false,
        sources: {},
        cache: {},
        redis: { configured: false, up: false },
        leader: true,
        topics: {},
      }),
    staticDir: `${ROOT}static`,
    islandScript: "/static/_islands/islands-test.js",
  });
  const request = (path: string, init?: RequestInit) =>
    app.fetch(new Request(new URL(path, "http://pulse.test"), init));
  return {
    clock,
    hub,
    app,
    logs,
    request,
    [Symbol.dispose]: () => hub.close(),
  };
}
