import assert from "node:assert/strict";
import { periodWindows, sourceAmount } from "@/lib/protocol/mod.ts";
import { PnlPoller, type PnlState } from "@/lib/aggregate/mod.ts";
import type { Reading, Source } from "@/lib/sources/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

function source(
  id: string,
  role: Reading["role"],
  read: (signal?: AbortSignal) => Promise<number>,
): Source {
  return {
    id,
    kind: "test",
    role,
    read: async (signal) => ({
      source: id,
      role,
      amountMinor: await read(signal),
      currency: "USD",
      asOf: "2026-11-28T13:00:00.000Z",
    }),
  };
}

Deno.test("PnlPoller totals net = revenue + trading - expenses in integer minor units", async () => {
  const clock = new FakeClock();
  const states: PnlState[] = [];
  using poller = new PnlPoller({
    clock,
    sources: [
      source("r", "revenue", () => Promise.resolve(10_000)),
      source("c", "expense", () => Promise.resolve(2_501)),
      source("t", "trading", () => Promise.resolve(-499)),
    ],
    onState: (s) => states.push(s),
  });
  await poller.tick();
  const { revenueMinor, expensesMinor, tradingMinor, netMinor } = states[0]!
    .periods.today;
  assert.deepEqual({ revenueMinor, expensesMinor, tradingMinor, netMinor }, {
    revenueMinor: 10_000,
    expensesMinor: 2_501,
    tradingMinor: -499,
    netMinor: 7_000,
  });
  assert.equal(states[0]?.stale, false);
});

Deno.test("PnlPoller keeps a failing source's last figure, marked stale with the error, and the others current", async () => {
  const clock = new FakeClock();
  const states: PnlState[] = [];
  let fail = false;
  let revenue = 100;
  using poller = new PnlPoller({
    clock,
    sources: [
      source("r", "revenue", () => Promise.resolve(revenue++)),
      source(
        "c",
        "expense",
        () =>
          fail
            ? Promise.reject(new Error("upstream said 500"))
            : Promise.resolve(7),
      ),
    ],
    onState: (s) => states.push(s),
  });
  await poller.tick();
  fail = true;
  await poller.tick();
  const s = states[1]!;
  assert.equal(s.stale, true);
  assert.equal(s.sources.c?.status, "stale");
  // Viewers get the kind of failure; operators the upstream's own words.
  assert.equal(s.sources.c?.error, "the read failed");
  assert.deepEqual(poller.errorDetails(), { c: "upstream said 500" });
  assert.equal(sourceAmount(s!, "c"), 7);
  assert.equal(sourceAmount(s!, "r"), 101);
  assert.equal(s.periods.today.netMinor, 101 - 7);
});

Deno.test("PnlPoller aborts a hung read at the tick deadline and still reports the others", async () => {
  const clock = new FakeClock();
  const states: PnlState[] = [];
  let aborted = false;
  using poller = new PnlPoller({
    clock,
    intervalMs: 1000,
    sources: [
      source("r", "revenue", () => Promise.resolve(5)),
      source("hang", "expense", (signal) =>
        new Promise((_, reject) => {
          signal?.addEventListener("abort", () => {
            aborted = true;
            reject(signal.reason);
          });
        })),
    ],
    onState: (s) => states.push(s),
  });
  const tick = poller.tick();
  await clock.advance(1000);
  await tick;
  assert.equal(aborted, true);
  assert.equal(states[0]?.sources.hang?.status, "error");
  assert.equal(sourceAmount(states[0]!, "r"), 5);
});

Deno.test("PnlPoller.start() ticks once per interval and close() stops it", async () => {
  const clock = new FakeClock();
  let ticks = 0;
  const poller = new PnlPoller({
    clock,
    intervalMs: 1000,
    sources: [source("r", "revenue", () => Promise.resolve(1))],
    onState: () => ticks++,
  });
  poller.start();
  await clock.advance(0);
  assert.equal(ticks, 1);
  await clock.advance(3000);
  assert.equal(ticks, 4);
  poller.close();
  await clock.advance(5000);
  assert.equal(ticks, 4);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("PnlPoller counts each interval from the read's start: slow reads do not stretch it, and a read slower than its interval is followed at once, never overlapped", async () => {
  const clock = new FakeClock({ start: 0 });
  const starts: number[] = [];
  let inFlight = 0;
  let most = 0;
  let takes = 300;
  const poller = new PnlPoller({
    clock,
    intervalMs: 1000,
    sources: [
      source("r", "revenue", async () => {
        starts.push(clock.now());
        most = Math.max(most, ++inFlight);
        await clock.sleep(takes);
        inFlight--;
        return 1;
      }),
    ],
    onState: () => {},
  });
  poller.start();
  await clock.advance(2500);
  assert.deepEqual(starts, [0, 1000, 2000], "every 1,000 ms, not every 1,300");
  takes = 1500;
  await clock.advance(5000);
  assert.deepEqual(starts.slice(3), [3000, 4500, 6000, 7500]);
  assert.equal(most, 1, "never two reads of one source at once");
  poller.close();
  await clock.advance(2000);
});

Deno.test("PnlPoller shows a guarded source whose breaker opened as open, keeping its role and others current", async () => {
  const { guardSource } = await import("@/lib/sources/mod.ts");
  const clock = new FakeClock();
  const states: PnlState[] = [];
  const failing = guardSource(
    source(
      "kalshi",
      "trading",
      () => Promise.reject(new TypeError("connection refused")),
    ),
    {
      clock,
      retry: { maxAttempts: 1 },
      breaker: { failureThreshold: 2, cooldownMs: 60_000 },
    },
  );
  using poller = new PnlPoller({
    clock,
    sources: [failing, source("r", "revenue", () => Promise.resolve(10))],
    onState: (s) => states.push(s),
  });
  for (let i = 0; i < 3; i++) await poller.tick();
  assert.deepEqual(states.map((s) => s.sources.kalshi?.status), [
    "error",
    "error",
    "open",
  ]);
  assert.equal(states[2]?.sources.kalshi?.role, "trading");
  assert.match(
    String(states[2]?.sources.kalshi?.error),
    /^paused after repeated failures; next try in \d+ s$/,
  );
  assert.match(
    poller.errorDetails().kalshi ?? "",
    /kalshi is unavailable \(circuit open\)/,
  );
  assert.equal(sourceAmount(states[2]!, "r"), 10);
  assert.equal(failing.breakerState, "open");
});

Deno.test("PnlPoller shows a restored figure, stale, for a source not read yet, instead of blanking it", async () => {
  const clock = new FakeClock();
  const states: PnlState[] = [];
  const at = "2026-11-28T13:00:00.000Z";
  let release: (n: number) => void = () => {};
  using poller = new PnlPoller({
    clock,
    sources: [
      source("fast", "revenue", () => Promise.resolve(10)),
      source("slow", "expense", () => new Promise<number>((r) => release = r)),
    ],
    intervalMs: 60_000,
    initial: {
      slow: {
        kind: "test",
        role: "expense",
        status: "stale",
        origin: "L3",
        reading: {
          source: "slow",
          role: "expense",
          amountMinor: 4,
          currency: "USD",
          asOf: at,
        },
      },
    },
    onState: (s) => states.push(s),
  });
  poller.start();
  await clock.advance(0);
  assert.equal(states.at(-1)?.sources.slow?.status, "stale");
  assert.equal(states.at(-1)?.sources.slow?.origin, "L3");
  assert.equal(states.at(-1)?.periods.today.netMinor, 6);
  release(7);
  await clock.advance(0);
  assert.equal(states.at(-1)?.sources.slow?.status, "ok");
  assert.equal(states.at(-1)?.periods.today.netMinor, 3);
});

Deno.test("PnlPoller reads a group of sources together and publishes once per round", async () => {
  const clock = new FakeClock();
  let states = 0;
  using poller = new PnlPoller({
    clock,
    sources: [
      source("a", "revenue", () => Promise.resolve(1)),
      source("b", "expense", () => Promise.resolve(2)),
      source("c", "trading", () => Promise.resolve(3)),
    ],
    intervalMs: 1000,
    plans: { a: { group: "sim" }, b: { group: "sim" }, c: { group: "sim" } },
    onState: () => states++,
  });
  poller.start();
  await clock.advance(0);
  assert.equal(states, 1);
  await clock.advance(3000);
  assert.equal(states, 4);
});

Deno.test("PnlPoller tells a failing source's last success, since when it fails and when it tries next, and a healthy source none of these", async () => {
  const clock = new FakeClock({
    start: Date.parse("2026-12-02T10:00:00.000Z"),
  });
  const states: PnlState[] = [];
  let fail = false;
  using poller = new PnlPoller({
    clock,
    sources: [
      source(
        "shop",
        "revenue",
        () =>
          fail
            ? Promise.reject(
              new TypeError("fetch failed", {
                cause: Object.assign(new Error("connect ECONNREFUSED"), {
                  code: "ECONNREFUSED",
                }),
              }),
            )
            : Promise.resolve(500),
      ),
    ],
    intervalMs: 20_000,
    labels: { shop: "Shop (EU)" },
    onState: (s) => states.push(s),
  });
  poller.start();
  await clock.advance(0);
  const ok = states.at(-1)!.sources.shop!;
  assert.equal(ok.status, "ok");
  assert.equal(ok.label, "Shop (EU)");
  assert.equal(ok.everyMs, 20_000);
  for (const key of ["lastSuccessAt", "failingSince", "nextReadAt", "error"]) {
    assert.equal(key in ok, false, key);
  }
  fail = true;
  await clock.advance(20_000);
  const first = states.at(-1)!.sources.shop!;
  assert.equal(first.status, "stale");
  assert.equal(first.lastSuccessAt, "2026-12-02T10:00:00.000Z");
  assert.equal(first.failingSince, "2026-12-02T10:00:20.000Z");
  assert.equal(first.nextReadAt, "2026-12-02T10:00:40.000Z");
  assert.match(String(first.error), /connection refused/);
  await clock.advance(20_000);
  const second = states.at(-1)!.sources.shop!;
  assert.equal(second.failingSince, "2026-12-02T10:00:20.000Z");
  assert.equal(second.nextReadAt, "2026-12-02T10:01:00.000Z");
  fail = false;
  await clock.advance(20_000);
  const back = states.at(-1)!.sources.shop!;
  assert.equal(back.status, "ok");
  assert.equal("failingSince" in back, false);
});

Deno.test("PnlPoller with a calendar rolls the periods at midnight in the board's zone, at that instant and before any read, then reads every source again", async () => {
  const { FlowLedger } = await import("@/lib/sources/mod.ts");
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  const clock = new FakeClock({ start: Date.parse("2026-11-30T22:59:50Z") });
  const ledger = new FlowLedger();
  ledger.add(Date.parse("2026-11-30T22:59:00Z"), 500);
  let reads = 0;
  const shop: Source = {
    id: "shop",
    kind: "test",
    role: "revenue",
    read: (_signal, context) => {
      reads++;
      const periods = ledger.periods(context!.periods);
      return Promise.resolve({
        source: "shop",
        role: "revenue",
        amountMinor: periods.today.amountMinor,
        currency: "USD",
        asOf: new Date(clock.now()).toISOString(),
        periods,
        periodsAt: new Date(context!.periods.today.at).toISOString(),
      });
    },
  };
  const states: { at: number; state: PnlState }[] = [];
  using poller = new PnlPoller({
    clock,
    sources: [shop],
    intervalMs: 600_000,
    calendar: new ReportingCalendar({ timeZone: "Europe/Berlin" }),
    onState: (state) => states.push({ at: clock.now(), state }),
  });
  poller.start();
  await clock.advance(0);
  assert.equal(reads, 1);
  const before = states.at(-1)!.state;
  assert.equal(before.periods.today.revenueMinor, 500);
  // 23:00 UTC on 30 November is midnight, 1 December, in Berlin.
  await clock.advance(9_999);
  assert.equal(states.length, 1, "nothing before the boundary");
  await clock.advance(1);
  const rolled = states.find((s) =>
    s.at === Date.parse("2026-11-30T23:00:00Z")
  )!;
  assert.ok(rolled, "a state at the boundary itself");
  const periods = rolled.state.periods;
  assert.equal(rolled.state.date, "2026-12-01", "the new day in Berlin");
  assert.equal(
    new Date(periodWindows(rolled.state, rolled.at).today.from).toISOString(),
    "2026-11-30T23:00:00.000Z",
  );
  assert.equal(periods.today.revenueMinor, 0);
  assert.equal(periods.mtd.revenueMinor, 0, "a new month in Berlin too");
  assert.equal(periods.ytd.revenueMinor, 500);
  assert.equal(sourceAmount(rolled.state, "shop"), 0);
  await clock.advance(0);
  assert.equal(reads, 2, "every source read again after the rollover");
});

Deno.test("PnlPoller shows a source on its first sync as syncing, with its progress, and reads it again at once until it is done", async () => {
  const clock = new FakeClock();
  let reads = 0;
  const stripe: Source = {
    id: "stripe",
    kind: "stripe",
    role: "revenue",
    read: () => {
      reads++;
      return Promise.resolve({
        source: "stripe",
        role: "revenue",
        amountMinor: reads * 1_000,
        currency: "USD",
        asOf: new Date(clock.now()).toISOString(),
        ...(reads < 3
          ? { syncing: { pages: reads * 25, items: reads * 2_500 } }
          : {}),
      });
    },
  };
  const states: PnlState[] = [];
  using poller = new PnlPoller({
    clock,
    sources: [stripe],
    intervalMs: 60_000,
    onState: (s) => states.push(s),
  });
  poller.start();
  await clock.advance(0);
  await clock.advance(0);
  assert.equal(
    reads,
    3,
    "read again at once while syncing, not a minute later",
  );
  assert.deepEqual(
    states.map((s) => s.sources.stripe?.status),
    ["syncing", "syncing", "ok"],
  );
  assert.deepEqual(states[1]?.sources.stripe?.sync, {
    pages: 50,
    items: 5_000,
  });
  assert.equal(states[2]?.sources.stripe?.sync, undefined);
  assert.equal(states[0]?.stale, true, "the totals rest on a partial figure");
  await clock.advance(59_999);
  assert.equal(reads, 3, "then the interval");
});
