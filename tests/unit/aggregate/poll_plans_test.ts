import assert from "node:assert/strict";
import { pollPlans } from "@/lib/aggregate/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import {
  createSources,
  embeddedSourcesFile,
  parseSourcesFile,
} from "@/lib/sources/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("pollPlans: the built-in simulator's figures are one group on an exact schedule, cached for half the interval", async () => {
  using store = SqliteStore.open(":memory:");
  const declared = await createSources(
    embeddedSourcesFile({ intervalMs: 1000, currency: "USD" }),
    { clock: new FakeClock(), env: {}, ingest: store.ingest },
  );
  const plans = pollPlans(declared);
  const groups = new Set(Object.values(plans).map((p) => p.group));
  assert.deepEqual([...groups], ["simulator:1000"]);
  for (const plan of Object.values(plans)) {
    assert.equal(plan.jitter, 0);
    assert.equal(plan.cacheTtlMs, 500);
    assert.equal(plan.intervalMs, 1000);
  }
});

Deno.test("pollPlans: a webhook's reads skip the cache; PULSE_CACHE_TTL_MS sets every polled source's freshness; others jitter 10%", async () => {
  const file = parseSourcesFile(
    {
      sources: [
        {
          id: "api",
          kind: "http-json",
          role: "revenue",
          url: "http://127.0.0.1:9/x",
          amountPointer: "/a",
          unit: "minor",
          intervalMs: 60_000,
          timeoutMs: 2_000,
          retry: { maxAttempts: 4, minDelayMs: 100, maxDelayMs: 1_000 },
        },
        {
          id: "shop",
          kind: "webhook",
          role: "revenue",
          mode: "increment",
          secretEnv: "SHOP_SECRET",
        },
      ],
    },
    "test.json",
    "USD",
  );
  using store = SqliteStore.open(":memory:");
  const declared = await createSources(file, {
    clock: new FakeClock(),
    env: { SHOP_SECRET: "whsec_test" },
    ingest: store.ingest,
  });
  const derived = pollPlans(declared);
  assert.equal(derived.api?.cacheTtlMs, 30_000);
  assert.equal(derived.api?.jitter, 0.1);
  assert.equal(derived.api?.group, undefined);
  // Four attempts of 2 s and three waits of at most 1 s.
  assert.equal(derived.api?.deadlineMs, 11_000);
  assert.equal(derived.shop?.cacheTtlMs, 0);
  const set = pollPlans(declared, { cacheTtlMs: 5_000 });
  assert.equal(set.api?.cacheTtlMs, 5_000);
  assert.equal(set.shop?.cacheTtlMs, 0);
});

Deno.test("pollPlans: a source's own cacheTtlMs wins over PULSE_CACHE_TTL_MS and the half-interval default; a webhook is never cached", () => {
  const file = parseSourcesFile(
    {
      sources: [
        {
          id: "tuned",
          kind: "http-json",
          role: "revenue",
          url: "http://127.0.0.1:9/x",
          amountPointer: "/a",
          unit: "minor",
          intervalMs: 60_000,
          cacheTtlMs: 300_000,
        },
        {
          id: "plain",
          kind: "http-json",
          role: "revenue",
          url: "http://127.0.0.1:9/y",
          amountPointer: "/a",
          unit: "minor",
          intervalMs: 60_000,
        },
        {
          id: "shop",
          kind: "webhook",
          role: "revenue",
          secretEnv: "S",
          cacheTtlMs: 5_000,
        },
      ],
    },
    "/x/sources.json",
    "USD",
  );
  const declared = file.entries.map(({ common, kind }) => ({ common, kind }));
  assert.equal(pollPlans(declared).tuned?.cacheTtlMs, 300_000);
  assert.equal(pollPlans(declared).plain?.cacheTtlMs, 30_000);
  assert.equal(
    pollPlans(declared, { cacheTtlMs: 10_000 }).plain?.cacheTtlMs,
    10_000,
  );
  assert.equal(
    pollPlans(declared, { cacheTtlMs: 10_000 }).tuned?.cacheTtlMs,
    300_000,
  );
  assert.equal(pollPlans(declared).shop?.cacheTtlMs, 0);
});
