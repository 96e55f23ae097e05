import assert from "node:assert/strict";
import { judgeHealth } from "@/lib/health.ts";
import { Metrics } from "@/lib/metrics.ts";

Deno.test("Metrics renders Prometheus text exactly: HELP, TYPE, escaped labels, cumulative histogram buckets", () => {
  const m = new Metrics();
  const c = m.counter("pulse_test_total", "A test counter.\nSecond line.");
  c.inc({ source: 'we"ird\\name\n' });
  c.inc({ source: 'we"ird\\name\n' }, 2);
  const h = m.histogram("pulse_test_seconds", "A test histogram.", [0.1, 1]);
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  m.collected(
    "pulse_test_gauge",
    "Collected.",
    "gauge",
    () => [[{ tier: "L1" }, 3]],
  );
  assert.equal(
    m.render(),
    [
      "# HELP pulse_test_total A test counter.\\nSecond line.",
      "# TYPE pulse_test_total counter",
      'pulse_test_total{source="we\\"ird\\\\name\\n"} 3',
      "# HELP pulse_test_seconds A test histogram.",
      "# TYPE pulse_test_seconds histogram",
      'pulse_test_seconds_bucket{le="0.1"} 1',
      'pulse_test_seconds_bucket{le="1"} 2',
      'pulse_test_seconds_bucket{le="+Inf"} 3',
      "pulse_test_seconds_sum 5.55",
      "pulse_test_seconds_count 3",
      "# HELP pulse_test_gauge Collected.",
      "# TYPE pulse_test_gauge gauge",
      'pulse_test_gauge{tier="L1"} 3',
      "",
    ].join("\n"),
  );
  assert.throws(
    () => m.counter("pulse_test_total", "again"),
    /already registered/,
  );
  assert.throws(
    () => m.counter("bad-name", "x"),
    /not a valid Prometheus name/,
  );
});

Deno.test("judgeHealth: ok, degraded with reasons, down while stopping", () => {
  const base = {
    stopping: false,
    sources: { a: { status: "ok", origin: "live", breaker: "closed" } },
    cache: { L1: { up: true } },
    redis: { configured: true, up: true },
    leader: true,
    topics: {},
  };
  assert.deepEqual([judgeHealth(base).status, judgeHealth(base).reasons], [
    "ok",
    [],
  ]);
  const degraded = judgeHealth({
    ...base,
    redis: { configured: true, up: false },
  });
  assert.deepEqual([degraded.status, degraded.reasons], ["degraded", [
    "Redis is unreachable",
  ]]);
  assert.equal(judgeHealth({ ...base, stopping: true }).status, "down");
});
