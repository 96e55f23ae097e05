/**
 * Periods roll over at midnight in the board's zone: a real hub, poller
 * and long-poll route on a fake clock set just before Berlin's midnight at
 * the end of November. A client waiting on the stream gets the rollover
 * delta at that instant, before any source is read again.
 */
import assert from "node:assert/strict";
import { periodWindows } from "@/lib/protocol/mod.ts";

const iso = (ms: number) => new Date(ms).toISOString();
import { PnlPoller } from "@/lib/aggregate/mod.ts";
import { FlowLedger, type Source } from "@/lib/sources/mod.ts";
import { ReportingCalendar } from "@/lib/time/mod.ts";
import { makeTestApp } from "../_helpers/app.ts";

Deno.test("rollover: at midnight in the board's zone, a waiting client gets a delta with the new day and month at zero, at that instant", async () => {
  // 23:59:50 on 30 November in Berlin.
  using t = makeTestApp({ start: Date.parse("2026-11-30T22:59:50Z") });
  const ledger = new FlowLedger();
  ledger.add(Date.parse("2026-11-30T20:00:00Z"), 12_500);
  let reads = 0;
  const shop: Source = {
    id: "shop",
    kind: "test",
    role: "revenue",
    read(_signal, context) {
      reads++;
      const periods = ledger.periods(context!.periods);
      return Promise.resolve({
        source: "shop",
        role: "revenue",
        amountMinor: periods.today.amountMinor,
        currency: "USD",
        asOf: new Date(t.clock.now()).toISOString(),
        periods,
        periodsAt: new Date(context!.periods.today.at).toISOString(),
      });
    },
  };
  using poller = new PnlPoller({
    clock: t.clock,
    sources: [shop],
    intervalMs: 3_600_000,
    calendar: new ReportingCalendar({ timeZone: "Europe/Berlin" }),
    onState: (state) => t.hub.publish("pnl", state),
  });
  poller.start();
  await t.clock.advance(500); // the first read, and its batch window
  const first = await (await t.request("/api/poll?topic=pnl&timeout=0"))
    .json();
  const snapshot = first.messages.at(-1);
  assert.equal(snapshot.data.timezone, "Europe/Berlin");
  assert.equal(snapshot.data.date, "2026-11-30");
  assert.equal(
    iso(periodWindows(snapshot.data, snapshot.ts).today.from),
    "2026-11-29T23:00:00.000Z",
  );
  assert.equal(snapshot.data.periods.mtd.revenueMinor, 12_500);
  assert.equal(snapshot.data.periods.today.revenueMinor, 12_500);

  const waiting = t.request(
    `/api/poll?topic=pnl&since=${first.cursor.seq}&epoch=${first.cursor.epoch}&timeout=30`,
  );
  await t.clock.advance(9_499); // 23:59:59.999
  await t.clock.advance(1 + 200); // midnight, and a batch window
  const answer = await (await waiting).json();
  assert.equal(reads, 2, "read once before, and again at the boundary");
  const delta = answer.messages.find((m: { type: string }) =>
    m.type === "delta"
  );
  assert.ok(delta, "a delta arrived");
  const patch = delta.patch;
  // The new date rolls the periods; their bounds follow from it.
  assert.equal(patch.date, "2026-12-01");
  const rolled = periodWindows({ ...snapshot.data, ...patch }, delta.ts);
  assert.equal(iso(rolled.today.from), "2026-11-30T23:00:00.000Z");
  assert.equal(iso(rolled.today.to), "2026-12-01T23:00:00.000Z");
  assert.equal(iso(rolled.mtd.from), "2026-11-30T23:00:00.000Z");
  assert.equal(patch.periods.mtd.revenueMinor, 0);
  assert.equal(patch.periods.today.revenueMinor, 0);
  // The year goes on.
  assert.equal(patch.periods.ytd?.revenueMinor, undefined, "unchanged");
  assert.ok(
    Date.parse(delta.ts) - Date.parse("2026-11-30T23:00:00Z") < 1_000,
    `sent at the boundary, not at the next read (${delta.ts})`,
  );
});
