import assert from "node:assert/strict";
import { alertSummary, conditionWords } from "@/lib/alerts/figure.ts";
import type { AlertRule } from "@/lib/alerts/rule.ts";

const statusRule = {
  id: "stripe-stale",
  source: "stripe",
  period: "today",
  severity: "warning",
  condition: { kind: "status", statuses: ["stale", "error", "open"] },
} as unknown as AlertRule;

Deno.test("a status rule reads as a sentence: what the source is now, and the states it alerts on as a list in words", () => {
  assert.equal(
    conditionWords(statusRule, "USD"),
    "stale, failing or paused after repeated failures",
  );
  assert.equal(
    alertSummary(statusRule, "stale", "USD"),
    "Source stripe is stale",
  );
  assert.equal(
    alertSummary(statusRule, "open", "USD"),
    "Source stripe is paused after repeated failures",
  );
  // Recovering, while the alert waits to resolve: no "is ok, stale or ...".
  assert.equal(
    alertSummary(statusRule, "ok", "USD"),
    "Source stripe is ok again",
  );
});
