import assert from "node:assert/strict";
import { createLogger, MAX_FIELD_CHARS } from "@/lib/log.ts";

const refused = () =>
  new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
      code: "ECONNREFUSED",
    }),
  });

Deno.test("log: an error keeps its cause chain (fetch failed, and why), without a stack", () => {
  const lines: string[] = [];
  const log = createLogger({ now: () => 0, write: (l) => lines.push(l) });
  log.warn("poll failed", { source: "stripe", error: refused() });
  const record = JSON.parse(lines[0]!);
  assert.deepEqual(record.error, {
    name: "TypeError",
    message: "fetch failed",
    cause: {
      name: "Error",
      message: "connect ECONNREFUSED 127.0.0.1:9",
      code: "ECONNREFUSED",
    },
  });
  assert.equal(JSON.stringify(record).includes("at "), false, "no stack");
});

Deno.test("log: pretty lines for a terminal read as time, level, message and fields; the level filters", () => {
  const lines: string[] = [];
  const log = createLogger({
    now: () => Date.parse("2026-12-02T14:03:12.345Z"),
    write: (l) => lines.push(l),
    format: "pretty",
    level: "warn",
  });
  log.info("not shown");
  log.warn("circuit breaker", { source: "stripe", state: "open" });
  log.error("poll failed", { error: refused(), note: "two words" });
  assert.deepEqual(lines, [
    "14:03:12.345 WARN  circuit breaker source=stripe state=open",
    '14:03:12.345 ERROR poll failed error="fetch failed <- connect ECONNREFUSED 127.0.0.1:9" note="two words"',
  ]);
});

Deno.test("an area's logger writes its area on each line and follows that area's level over the default", () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    now: () => 0,
    write: (l) => lines.push(JSON.parse(l)),
    level: "warn",
    areas: { alerts: "debug" },
  });
  log.child("alerts").debug("evaluated");
  log.child("sources").info("read");
  log.child("sources").warn("source failing");
  log.info("listening");
  assert.deepEqual(lines.map((l) => [l.area, l.msg]), [
    ["alerts", "evaluated"],
    ["sources", "source failing"],
  ]);
});

Deno.test("log: a huge field, message or error text is cut in the line, saying how much was left out", () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), now: () => 0 });
  const huge = "x".repeat(5_000_000);
  log.warn(huge, {
    body: huge,
    error: new Error(huge, { cause: huge }),
    count: 3,
  });
  assert.ok(
    lines[0]!.length < 4 * MAX_FIELD_CHARS + 1_000,
    `${lines[0]!.length}`,
  );
  const record = JSON.parse(lines[0]!);
  assert.equal(
    record.body,
    `${"x".repeat(MAX_FIELD_CHARS)}… (${
      5_000_000 - MAX_FIELD_CHARS
    } more characters)`,
  );
  assert.equal(record.msg.length, record.body.length);
  assert.equal(record.error.message, record.body);
  assert.equal(record.error.cause, record.body);
  assert.equal(record.count, 3);
});
