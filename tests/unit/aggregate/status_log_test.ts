import assert from "node:assert/strict";
import { SourceStatusLog } from "@/lib/aggregate/mod.ts";
import { createLogger } from "@/lib/log.ts";
import { FakeClock } from "@/lib/time/mod.ts";

Deno.test("SourceStatusLog: while a source stays broken, one summary line every five minutes says which and for how long; none once it recovers", async () => {
  const clock = new FakeClock({ start: Date.parse("2026-12-02T03:00:00Z") });
  const lines: { msg: string; sources?: string }[] = [];
  const log = createLogger({
    now: () => clock.now(),
    write: (l) => lines.push(JSON.parse(l)),
  });
  using watch = new SourceStatusLog({ log, clock });
  const down = { sources: { stripe: { status: "open", error: "503 busy" } } };
  watch.observe({ sources: { stripe: { status: "ok" } } });
  watch.observe(down);
  for (let i = 0; i < 11; i++) {
    await clock.advance(60_000);
    watch.observe(down);
  }
  assert.deepEqual(lines.map((l) => l.msg), [
    "source failing",
    "still failing",
    "still failing",
  ]);
  assert.equal(lines[1]!.sources, "stripe open for 5 min: 503 busy");
  assert.equal(lines[2]!.sources, "stripe open for 10 min: 503 busy");
  watch.observe({ sources: { stripe: { status: "ok" } } });
  await clock.advance(600_000);
  assert.deepEqual(lines.map((l) => l.msg).slice(3), ["source recovered"]);
});
