import assert from "node:assert/strict";
import {
  type AlertEvent,
  type AlertTrack,
  judge,
  newTrack,
  notifies,
  step,
} from "@/lib/alerts/evaluator.ts";
import { parseAlerting } from "@/lib/alerts/alerting.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import type { SourceStatus } from "@/lib/protocol/mod.ts";
import { testPnlState } from "../../_helpers/pnl_states.ts";

const MIN = 60_000;

/** One rule from its file form. */
function rule(raw: Record<string, unknown>) {
  return parseAlerting([{ id: "r", ...raw }], [], {
    currency: "USD",
    sourceIds: ["claude", "stripe", "cash"],
    env: {},
  }).rules[0]!;
}

/** A P&L state with today's net (and its start), and a source or two. */
function state(
  netMinor: number,
  extra: { from?: string; status?: SourceStatus; claudeMinor?: number } = {},
) {
  return testPnlState({
    date: (extra.from ?? "2026-12-01T00:00:00.000Z").slice(0, 10),
    periods: {
      today: { netMinor, expensesMinor: extra.claudeMinor ?? 0 },
    },
    sources: {
      stripe: { status: extra.status ?? "ok" },
      claude: {
        role: "expense",
        amounts: { today: extra.claudeMinor ?? 0 },
      },
    },
  });
}

/**
 * Runs states through a rule at the clock's times; the events, in order,
 * at their time from the start.
 */
function runner(r: ReturnType<typeof rule>, clock: FakeClock) {
  const began = clock.now();
  let track: AlertTrack = newTrack(began);
  const events: [number, AlertEvent][] = [];
  return {
    see(s: unknown) {
      const j = judge(r, track, s, clock.now());
      const out = step(r, track, j.holds, clock.now());
      track = out.track;
      if (out.event) events.push([clock.now() - began, out.event]);
      return j;
    },
    get track() {
      return track;
    },
    events,
  };
}

const START = Date.parse("2026-12-01T12:00:00Z");

Deno.test("alert rule: a threshold fires only after holding for its `for`, and a dip inside `for` says nothing", async () => {
  const clock = new FakeClock({ start: START });
  const run = runner(
    rule({ figure: "net", below: -500, forMs: 5 * MIN }),
    clock,
  );
  run.see(state(-60_000)); // -$600: pending
  assert.equal(run.track.phase, "pending");
  await clock.advance(3 * MIN);
  run.see(state(0)); // recovered before 5 min: back to normal, silently
  assert.equal(run.track.phase, "normal");
  run.see(state(-60_000));
  await clock.advance(4 * MIN);
  run.see(state(-60_000));
  assert.deepEqual(run.events, []);
  await clock.advance(MIN);
  run.see(state(-60_000));
  assert.deepEqual(run.events, [[8 * MIN, "firing"]]);
  assert.equal(run.track.episode, 1);
});

Deno.test("alert rule: hysteresis: a firing alert resolves only when false for `for` too, and a blip back keeps the same episode", async () => {
  const clock = new FakeClock({ start: START });
  const r = rule({ figure: "net", above: 1000, forMs: 2 * MIN, repeatMs: 0 });
  const run = runner(r, clock);
  run.see(state(200_000));
  await clock.advance(2 * MIN);
  run.see(state(200_000));
  assert.equal(run.track.phase, "firing");
  run.see(state(0));
  assert.equal(run.track.phase, "recovering");
  await clock.advance(MIN);
  run.see(state(200_000)); // back within for: still the first episode
  assert.equal(run.track.phase, "firing");
  run.see(state(0));
  await clock.advance(2 * MIN);
  run.see(state(0));
  assert.deepEqual(run.events, [[2 * MIN, "firing"], [5 * MIN, "resolved"]]);
  assert.equal(run.track.episode, 1);
  // A new crossing is a new episode.
  run.see(state(200_000));
  await clock.advance(2 * MIN);
  run.see(state(200_000));
  assert.equal(run.track.episode, 2);
});

Deno.test("alert rule: while firing, a reminder goes out every `repeat`; with for 0 it fires and resolves at once", async () => {
  const clock = new FakeClock({ start: START });
  const run = runner(
    rule({ figure: "net", below: 0, repeatMs: 60 * MIN }),
    clock,
  );
  run.see(state(-1));
  for (let i = 0; i < 150; i++) {
    await clock.advance(MIN);
    run.see(state(-1));
  }
  run.see(state(5));
  assert.deepEqual(run.events, [
    [0, "firing"],
    [60 * MIN, "reminder"],
    [120 * MIN, "reminder"],
    [150 * MIN, "resolved"],
  ]);
  assert.equal(run.track.reminders, 2);
});

Deno.test("alert rule: a change over a window, in money and in percent, from the figure a window ago", async () => {
  const clock = new FakeClock({ start: START });
  const money = runner(
    rule({ source: "claude", change: { windowMs: 60 * MIN, above: 50 } }),
    clock,
  );
  const percent = runner(
    rule({
      source: "claude",
      change: { windowMs: 60 * MIN, above: 100, percent: true },
    }),
    clock,
  );
  for (let m = 0; m <= 60; m++) {
    // $1 a minute for an hour: $60 > $50 once the window is full; +150 %.
    const s = state(0, { claudeMinor: 4_000 + m * 100 });
    const j = money.see(s);
    percent.see(s);
    if (m < 60) assert.notEqual(j.holds, true, `minute ${m}`);
    await clock.advance(MIN);
  }
  assert.deepEqual(money.events, [[60 * MIN, "firing"]]);
  assert.deepEqual(percent.events, [[60 * MIN, "firing"]]);
  assert.ok(money.track.samples.length <= 122, "samples stay bounded");
});

Deno.test("alert rule: a change window crossing a period rollover measures from the new period's zero, not a drop from yesterday's total", async () => {
  const clock = new FakeClock({ start: Date.parse("2026-12-01T23:30:00Z") });
  const drop = runner(
    rule({ figure: "net", change: { windowMs: 60 * MIN, below: -1000 } }),
    clock,
  );
  const rise = runner(
    rule({ figure: "net", change: { windowMs: 60 * MIN, above: 500 } }),
    clock,
  );
  for (let m = 0; m < 30; m++) {
    const s = state(900_000 + m * 100);
    drop.see(s);
    rise.see(s);
    await clock.advance(MIN);
  }
  // Midnight: today is a new day at $0, then $600 by 00:20.
  for (let m = 0; m <= 20; m++) {
    const s = state(m * 3_000, { from: "2026-12-02T00:00:00.000Z" });
    const j = drop.see(s);
    rise.see(s);
    assert.equal(j.change, m * 3_000, "measured from the new day's start");
    await clock.advance(MIN);
  }
  assert.deepEqual(drop.events, [], "the rollover is not a $9,000 drop");
  assert.deepEqual(rise.events, [[47 * MIN, "firing"]]);
});

Deno.test("alert rule: a source status held for `for` fires, and no data (a source not in the state) changes nothing", async () => {
  const clock = new FakeClock({ start: START });
  const run = runner(
    rule({ source: "stripe", status: ["stale", "error"], forMs: 10 * MIN }),
    clock,
  );
  run.see(state(0, { status: "error" }));
  await clock.advance(10 * MIN);
  assert.equal(run.see({ sources: {} }).holds, undefined);
  assert.equal(run.track.phase, "pending");
  run.see(state(0, { status: "stale" }));
  assert.deepEqual(run.events, [[10 * MIN, "firing"]]);
  run.see(state(0, { status: "syncing" }));
  await clock.advance(10 * MIN);
  run.see(state(0, { status: "ok" }));
  assert.deepEqual(run.events, [[10 * MIN, "firing"], [20 * MIN, "resolved"]]);
});

Deno.test("alert rule: a clock stepped back delays a transition and never repeats one", () => {
  const r = rule({ figure: "net", below: 0, forMs: 5 * MIN });
  const track = newTrack(START);
  let out = step(r, track, true, START);
  out = step(r, out.track, true, START - 30 * MIN);
  assert.equal(out.event, undefined);
  out = step(r, out.track, true, START + 5 * MIN);
  assert.equal(out.event, "firing");
  out = step(r, out.track, true, START - 60 * MIN);
  assert.equal(out.event, undefined);
});

Deno.test("alert rule: a silence holds back every notification until it ends; an acknowledgement holds back reminders of its episode, and a new episode clears it", () => {
  const now = START;
  const firing: AlertTrack = {
    ...newTrack(now),
    phase: "firing",
    episode: 1,
    silencedUntil: now + 60 * MIN,
  };
  for (const event of ["firing", "reminder", "resolved"] as const) {
    assert.equal(notifies(firing, event, now), false, event);
    assert.equal(notifies(firing, event, now + 60 * MIN), true, event);
  }
  const acked: AlertTrack = {
    ...newTrack(now),
    phase: "firing",
    episode: 1,
    acknowledgedAt: now,
  };
  assert.equal(notifies(acked, "reminder", now), false);
  assert.equal(notifies(acked, "resolved", now), true);
  // The next episode starts unacknowledged; a silence stays until it ends.
  const r = rule({ figure: "net", below: 0 });
  const resolved =
    step(r, { ...acked, silencedUntil: now + MIN }, false, now).track;
  const again = step(r, resolved, true, now + 1);
  assert.equal(again.event, "firing");
  assert.equal(again.track.episode, 2);
  assert.equal(again.track.acknowledgedAt, undefined);
  assert.equal(again.track.silencedUntil, now + MIN);
});
