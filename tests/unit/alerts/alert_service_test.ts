import assert from "node:assert/strict";
import { AlertService, parseAlerting } from "@/lib/alerts/mod.ts";
import type { AlertStore } from "@/lib/alerts/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import { testPnlState } from "../../_helpers/pnl_states.ts";

const alerting = parseAlerting(
  [{ id: "net-low", figure: "net", below: 0, notify: ["ops"] }],
  [{ id: "ops", kind: "webhook", url: "https://ops.test/h", secretEnv: "S" }],
  { currency: "USD", sourceIds: [], env: { S: "secret" } },
);

const state = (netMinor: number) =>
  testPnlState({ periods: { today: { netMinor } } });

Deno.test("AlertService: a store that fails (Redis down) loses no transition: the next evaluation makes it again and it is delivered once", async () => {
  using db = SqliteStore.open(":memory:");
  let down = true;
  const store: AlertStore = {
    tracks: () => db.alerts.tracks(),
    commit: (rule, track, items) => {
      if (down) return Promise.reject(new Error("Redis is unreachable"));
      return db.alerts.commit(rule, track, items);
    },
    due: (now, limit) => db.alerts.due(now, limit),
    settle: (item, outcome) => db.alerts.settle(item, outcome),
    recent: (limit) => db.alerts.recent(limit),
  };
  const clock = new FakeClock({ start: Date.parse("2026-12-01T12:00:00Z") });
  const sent: string[] = [];
  const errors: string[] = [];
  const service = new AlertService({
    alerting,
    currency: "USD",
    board: "Test",
    store,
    clock,
    random: () => 0.5,
    fetch: (_url, init) => {
      sent.push(
        JSON.parse(String(new TextDecoder().decode(
          init?.body as Uint8Array,
        ))).key,
      );
      return Promise.resolve(new Response("ok"));
    },
    onEvent: (e) => {
      if (e.kind === "error") errors.push(e.error.message);
    },
  });
  service.start();
  service.observe(state(-100));
  await service.idle();
  assert.deepEqual(errors, ["Redis is unreachable"]);
  assert.equal((await service.status()).rules[0]!.phase, "normal");
  down = false;
  await clock.advance(1_000); // the next tick evaluates the same state
  await service.idle();
  await clock.advance(0);
  await service.idle();
  assert.equal((await service.status()).rules[0]!.phase, "firing");
  assert.deepEqual(sent, ["net-low:1:firing"]);
  assert.equal(service.board.firing[0]?.rule, "net-low");
  service.stop();
});
