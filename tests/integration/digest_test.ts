/**
 * Digests delivered for real: the alert service on a SQLite file that
 * outlives each "process", a real HTTP receiver for the signed webhook,
 * and simulated time. A daily digest reaches the receiver once at its
 * local time, with yesterday's figures as the ledgers have them; a
 * restart after it sends nothing more; a server down through the next
 * one sends that one once on return; a digest new in the file waits for
 * its next time.
 */
import assert from "node:assert/strict";
import { AlertService, parseAlerting } from "@/lib/alerts/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { verifyWebhook } from "@/lib/security/mod.ts";
import { FlowLedger, type Source } from "@/lib/sources/mod.ts";
import { FakeClock, ReportingCalendar } from "@/lib/time/mod.ts";
import { startReceiver } from "../_helpers/receiver.ts";
import { testPnlState } from "../_helpers/pnl_states.ts";

const SECRET = "ops-signing-secret";
const calendar = new ReportingCalendar({ timeZone: "Europe/Berlin" });

/** A shop whose sales land every day at noon, a little more each day. */
function shop(): Source {
  const ledger = new FlowLedger();
  for (let day = 1; day <= 9; day++) {
    ledger.add(Date.parse(`2026-12-0${day}T11:00:00Z`), day * 10_000);
  }
  return {
    id: "shop",
    kind: "test",
    role: "revenue",
    flows: () => ({ currency: "USD", sum: (w) => ledger.sum(w) }),
    read: () => Promise.reject(new Error("unused")),
  };
}

Deno.test("digests: sent once at their local time through a restart; one missed while down is sent once on return", async (t) => {
  await using ops = startReceiver();
  const dir = await Deno.makeTempDir();
  const alerting = parseAlerting([], [
    { id: "ops", kind: "webhook", url: ops.url, secretEnv: "OPS_SECRET" },
  ], {
    currency: "USD",
    sourceIds: ["shop"],
    env: { OPS_SECRET: SECRET },
    digests: [{ id: "daily", at: "08:00", notify: ["ops"] }],
  });
  const clock = new FakeClock({ start: Date.parse("2026-12-07T06:30:00Z") });
  const sources = [shop()];
  const state = testPnlState({
    timezone: "Europe/Berlin",
    sources: { shop: { label: "Web shop" } },
  });

  /** The alert service of one "process" over the database file. */
  const serviceOn = (db: SqliteStore) =>
    new AlertService({
      alerting,
      currency: "USD",
      board: "Acme P&L",
      store: db.alerts,
      clock,
      random: () => 0.5,
      calendar,
      sources: () => sources,
    });

  /** One server's life: start leading, run `minutes` of simulated time. */
  async function run(minutes: number) {
    using db = SqliteStore.open(`${dir}/pulse.db`);
    const service = serviceOn(db);
    service.start();
    service.annotate(state);
    // What the start sends goes out before simulated time moves: a real
    // request still in flight when 10 s are skipped would time out (and
    // be sent again, as at-least-once delivery does).
    await service.idle();
    for (let i = 0; i < minutes * 6; i++) {
      await clock.advance(10_000);
      await service.idle();
    }
    service.stop();
    await service.idle();
  }

  await t.step("a digest new in the file waits for its next time", async () => {
    await run(20); // 07:30 to 07:50 in Berlin
    assert.equal(ops.received.length, 0);
  });
  await t.step("at 08:00 it goes out once, with Sunday's figures", async () => {
    await run(20); // through 08:00
    assert.equal(ops.received.length, 1);
    const hook = ops.received[0]!;
    await verifyWebhook(
      hook.headers.get("pulse-signature"),
      new TextEncoder().encode(hook.body),
      [SECRET],
      Date.parse("2026-12-07T07:00:00Z"), // signed when sent
      5,
    );
    assert.equal(
      hook.headers.get("idempotency-key"),
      "digest:daily:2026-12-07",
    );
    const d = JSON.parse(hook.body);
    assert.equal(d.status, "digest");
    assert.equal(d.title, "Daily digest for Sunday 6 Dec 2026");
    assert.equal(d.figures.revenueMinor, 60_000);
    assert.equal(d.previous.revenueMinor, 50_000);
    assert.deepEqual(d.movers.map((m: { label: string }) => m.label), [
      "Web shop",
    ]);
  });
  await t.step("a restart the same morning sends nothing more", async () => {
    await run(30);
    assert.equal(ops.received.length, 1);
  });
  await t.step(
    "down through Tuesday 08:00: Tuesday's goes out once on return",
    async () => {
      await clock.advance(24 * 3_600_000); // no process runs
      await run(30);
      assert.deepEqual(
        ops.received.map((r) => r.headers.get("idempotency-key")),
        ["digest:daily:2026-12-07", "digest:daily:2026-12-08"],
      );
      assert.equal(
        JSON.parse(ops.received[1]!.body).figures.revenueMinor,
        70_000,
      );
    },
  );
  await t.step(
    "a test of the digest goes out at once with a key of its own, and moves nothing",
    async () => {
      using db = SqliteStore.open(`${dir}/pulse.db`);
      const service = serviceOn(db);
      const results = await service.sendTest("daily");
      assert.deepEqual(results, [{ channel: "ops", ok: true }]);
      const sent = JSON.parse(ops.received[2]!.body);
      assert.match(sent.key, /^digest:daily:2026-12-08:test:\d+$/);
      assert.equal(sent.title, "Test: Daily digest for Monday 7 Dec 2026");
      assert.equal(sent.figures.revenueMinor, 70_000);
      assert.equal(db.alerts.recent(10).length, 2, "nothing enqueued");
      await assert.rejects(
        () => service.sendTest("weekly"),
        /no alert rule or digest has the id "weekly"; the rules are none, the digests "daily"/,
      );
    },
  );
  await Deno.remove(dir, { recursive: true });
});
