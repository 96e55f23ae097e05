import assert from "node:assert/strict";
import { buildPnlState } from "@/lib/aggregate/mod.ts";
import { createPulseMetrics } from "@/lib/pulse_metrics.ts";
import { StatusBoard, type StatusParts } from "@/lib/status.ts";

function parts(overrides: Partial<StatusParts> = {}): StatusParts {
  const pnl = buildPnlState({
    shop: {
      kind: "stripe",
      role: "revenue",
      status: "stale",
      origin: "L3",
      error: "connection refused (token sk_live_x in the URL)",
    },
  }, "USD");
  return {
    stopping: () => false,
    leader: () => true,
    redisConfigured: true,
    redisUp: () => false,
    pnl: () => pnl,
    sources: () => [{ id: "shop", breakerState: "open" }],
    tiers: () => [{
      name: "L1",
      up: true,
      stats: { hits: 3, misses: 1, errors: 0, readMs: 0 },
    }, {
      name: "L2",
      up: false,
      stats: { hits: 0, misses: 0, errors: 2, readMs: 1500 },
    }],
    hub: {
      topics: ["pnl"],
      position: () => ({ epoch: "abcd", seq: 42 }),
      subscriberCount: () => 5,
      historySize: () => 17,
    },
    connections: () => ({ ws: 4, sse: 1 }),
    ...overrides,
  };
}

Deno.test("StatusBoard: one picture of sources, tiers, Redis, topics, connections and stream totals", () => {
  const status = new StatusBoard(parts());
  status.countStreamEvent({
    kind: "subscribe",
    transport: "ws",
    resumed: true,
  });
  status.countStreamEvent({ kind: "catch_up", transport: "sse", skipped: 3 });
  const picture = status.picture();
  assert.deepEqual(picture.sources.shop, {
    status: "stale",
    breaker: "open",
    origin: "L3",
    lastError: "connection refused (token sk_live_x in the URL)",
    state: "failing: showing the last figure read",
  });
  assert.deepEqual(picture.cache.L2, {
    up: false,
    hits: 0,
    misses: 0,
    errors: 2,
    readMs: 1500,
  });
  assert.deepEqual(picture.redis, { configured: true, up: false });
  assert.deepEqual(picture.topics.pnl, {
    epoch: "abcd",
    seq: 42,
    subscribers: 5,
    historyDepth: 17,
    perSecond: 0,
  });
  assert.deepEqual(picture.connections, { ws: 4, sse: 1, poll: 0 });
  assert.deepEqual(picture.stream, {
    resumed: 1,
    snapshots: 0,
    catchUps: 1,
    slowDisconnects: 0,
  });
});

Deno.test("StatusBoard.health: the verdict with reasons, without error texts or counters for anonymous callers", () => {
  const report = new StatusBoard(parts()).health();
  assert.equal(report.status, "degraded");
  assert.deepEqual(report.reasons, [
    "source shop is stale (from L3), breaker open",
    "Redis is unreachable",
  ]);
  assert.deepEqual(report.sources.shop, {
    status: "stale",
    origin: "L3",
    breaker: "open",
  });
  assert.deepEqual(report.cache, { L1: { up: true }, L2: { up: false } });
  assert.doesNotMatch(JSON.stringify(report), /sk_live|historyDepth|hits/);
});

Deno.test("StatusBoard: a source the P&L does not list yet is an error; shutting down is down", () => {
  const report = new StatusBoard(parts({
    stopping: () => true,
    redisConfigured: false,
    pnl: () => ({}),
  })).health();
  assert.equal(report.status, "down");
  assert.equal(report.sources.shop?.status, "error");
  assert.deepEqual(report.redis, { configured: false, up: false });
});

Deno.test("metrics read the status picture: breaker, tiers, Redis, leader and topic seq", () => {
  const status = new StatusBoard(parts({ leader: () => false }));
  const text = createPulseMetrics(() => status.picture()).metrics.render();
  assert.match(text, /^pulse_breaker_state\{source="shop",state="open"\} 1$/m);
  assert.match(text, /^pulse_cache_hits_total\{tier="L1"\} 3$/m);
  assert.match(text, /^pulse_cache_errors_total\{tier="L2"\} 2$/m);
  assert.match(text, /^pulse_cache_read_seconds_total\{tier="L2"\} 1\.5$/m);
  assert.match(text, /^pulse_redis_up 0$/m);
  assert.match(text, /^pulse_leader 0$/m);
  assert.match(text, /^pulse_topic_seq\{topic="pnl"\} 42$/m);
  assert.match(text, /^pulse_connected_clients\{transport="poll"\} 0$/m);
});

Deno.test("StatusBoard.health reports the open-files limit and degrades when connections near it", () => {
  const roomy = new StatusBoard(parts({ openFilesLimit: 1024 })).health();
  assert.deepEqual(roomy.limits, { openFiles: 1024, connections: 5 });
  assert.ok(!roomy.reasons.some((r) => r.includes("open-files")));
  const tight = new StatusBoard(parts({ openFilesLimit: 6 })).health();
  assert.equal(tight.status, "degraded");
  assert.ok(
    tight.reasons.includes(
      "5 connections near the open-files limit of 6; raise ulimit -n",
    ),
  );
  assert.equal(new StatusBoard(parts()).health().limits?.openFiles, null);
});

Deno.test("StatusBoard: operators see each failing source's full error text; the P&L keeps only its summary", () => {
  const board = new StatusBoard(parts({
    errorDetails: () => ({ shop: "fetch failed: connection refused (full)" }),
  }));
  assert.equal(
    board.picture().sources.shop?.lastError,
    "fetch failed: connection refused (full)",
  );
});

Deno.test("StatusBoard.health: a source still on its first sync says how far it is, in the picture and in the reasons", () => {
  const pnl = buildPnlState({
    claude: {
      kind: "anthropic-costs",
      role: "expense",
      status: "syncing",
      origin: "live",
      sync: { pages: 5, items: 155, estimatedPages: 23 },
    },
  }, "USD");
  const report = new StatusBoard(parts({
    pnl: () => pnl,
    redisConfigured: false,
    sources: () => [{ id: "claude", breakerState: "closed" }],
  })).health();
  assert.deepEqual(report.sources.claude?.sync, {
    pages: 5,
    items: 155,
    estimatedPages: 23,
  });
  assert.deepEqual(report.reasons, [
    "source claude is syncing (155 items in 5 of about 23 pages so far; figures partial), breaker closed",
  ]);
});

Deno.test("StatusBoard: topic rates over the last minute, each source's last hour of reads, and the lease holder with its fencing token (kept out of the public health report)", async () => {
  const { FakeClock } = await import("@/lib/time/mod.ts");
  const clock = new FakeClock();
  let seq = 100;
  const base = parts();
  const status = new StatusBoard({
    ...base,
    clock,
    hub: { ...base.hub, position: () => ({ epoch: "abcd", seq }) },
    leaseHolder: () => "host-a/123/x1y2:17",
    readHour: (id) =>
      id === "shop"
        ? {
          reads: 120,
          errors: 3,
          p50Ms: 40,
          p95Ms: 180,
          p99Ms: 900,
          latencyMs: [40, 41],
          errorsPerMinute: [0, 3],
        }
        : undefined,
  });
  status.picture();
  await clock.advance(10_000);
  seq += 50;
  const picture = status.picture();
  assert.equal(picture.topics.pnl?.perSecond, 5);
  assert.deepEqual(picture.redis, {
    configured: true,
    up: false,
    leaseHolder: "host-a/123/x1y2",
    fencingToken: 17,
  });
  assert.equal(picture.sources.shop?.p95Ms, 180);
  assert.deepEqual(picture.sources.shop?.errorsPerMinute, [0, 3]);
  assert.deepEqual(status.health().redis, { configured: true, up: false });
});

Deno.test("StatusBoard: a failing source's line says in words what it is doing, with its last success, since when it fails and the next try", () => {
  const pnl = buildPnlState({
    stripe: {
      kind: "stripe",
      role: "revenue",
      status: "open",
      origin: "L3",
      error: "503 busy",
      lastSuccessAt: "2026-12-02T03:00:00.000Z",
      failingSince: "2026-12-02T03:01:00.000Z",
      nextReadAt: "2026-12-02T03:05:00.000Z",
    },
  }, "USD");
  const line = new StatusBoard(parts({
    pnl: () => pnl,
    sources: () => [{ id: "stripe", breakerState: "open" }],
  })).picture().sources.stripe;
  assert.equal(line?.state, "paused after repeated failures (breaker open)");
  assert.equal(line?.lastSuccessAt, "2026-12-02T03:00:00.000Z");
  assert.equal(line?.failingSince, "2026-12-02T03:01:00.000Z");
  assert.equal(line?.nextReadAt, "2026-12-02T03:05:00.000Z");
});
