import assert from "node:assert/strict";
import { AlertService, parseAlerting } from "@/lib/alerts/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { buildDigest, digestSpans } from "@/lib/alerts/digest.ts";
import { digestText } from "@/lib/alerts/digest_words.ts";
import { slackMessage } from "@/lib/alerts/notification.ts";
import { emailMessage } from "@/lib/alerts/email.ts";
import { FlowLedger, type Source } from "@/lib/sources/mod.ts";
import { FakeClock, ReportingCalendar } from "@/lib/time/mod.ts";
import { testPnlState } from "../../_helpers/pnl_states.ts";

const CHANNELS = [
  { id: "ops", kind: "webhook", url: "https://ops.test/h", secretEnv: "S" },
];
const parse = (digests: unknown[], weekStart?: "monday" | "sunday") =>
  parseAlerting([], CHANNELS, {
    currency: "USD",
    sourceIds: [],
    env: { S: "secret" },
    digests,
    ...(weekStart ? { weekStart } : {}),
  }).digests!;

Deno.test("digests: defaults are daily at 08:00 with five movers; a weekly one is sent on the board's first weekday unless it names one", () => {
  const [daily, weekly, friday] = parse([
    { id: "daily", notify: ["ops"] },
    { id: "weekly", every: "week", at: "17:45", notify: ["ops"] },
    { id: "friday", every: "week", on: "friday", notify: ["ops"], movers: 0 },
  ], "sunday");
  assert.deepEqual(daily, {
    id: "daily",
    every: "day",
    hour: 8,
    minute: 0,
    notify: ["ops"],
    movers: 5,
  });
  assert.equal(weekly!.on, "sunday");
  assert.deepEqual([weekly!.hour, weekly!.minute], [17, 45]);
  assert.equal(friday!.on, "friday");
  assert.equal(friday!.movers, 0);
});

Deno.test("digests: every mistake in one pass, each located, with what is accepted", () => {
  assert.throws(
    () =>
      parse([
        { id: "a", at: "8:00", notify: ["ops"] },
        { id: "b", notify: ["opz"] },
        { id: "c", on: "monday", notify: ["ops"] },
        { id: "d", notify: [] },
        { id: "a", notify: ["ops"] },
      ]),
    (error: Error & { errors?: { message: string }[] }) => {
      const messages = error.errors!.map((e) => e.message).join("\n");
      assert.match(
        messages,
        /digests\[0\]\.at: .*a local time HH:MM such as "08:00"/,
      );
      assert.match(
        messages,
        /digests\[1\] \("b"\)\.notify\[0\]: no channel has the id "opz"; the channels are "ops"/,
      );
      assert.match(
        messages,
        /digests\[2\] \("c"\)\.on: a daily digest is sent every day/,
      );
      assert.match(messages, /digests\[3\] \("d"\)\.notify: the list is empty/);
      assert.match(
        messages,
        /digests\[4\]\.id: "a" is already the id of digests\[0\]/,
      );
      return true;
    },
  );
});

/** A flow source over a ledger of [at, amount] movements. */
function flow(
  id: string,
  role: Source["role"],
  movements: [string, number][],
  currency = "USD",
): Source {
  const ledger = new FlowLedger();
  for (const [at, amount] of movements) ledger.add(Date.parse(at), amount);
  return {
    id,
    kind: "test",
    role,
    flows: () => ({ currency, sum: (w) => ledger.sum(w) }),
    read: () => Promise.reject(new Error("unused")),
  };
}

const berlin = new ReportingCalendar({ timeZone: "Europe/Berlin" });

Deno.test("digestSpans(): a daily digest covers the last full local day, a weekly one the last full week, each against the one before", () => {
  const at = Date.parse("2026-12-07T07:00:00Z"); // Monday 08:00 in Berlin
  const day = digestSpans("day", berlin, at);
  assert.equal(
    new Date(day.covered.from).toISOString(),
    "2026-12-05T23:00:00.000Z",
  );
  assert.equal(
    new Date(day.covered.to).toISOString(),
    "2026-12-06T23:00:00.000Z",
  );
  assert.equal(
    new Date(day.compared.from).toISOString(),
    "2026-12-04T23:00:00.000Z",
  );
  const week = digestSpans("week", berlin, at);
  assert.equal(
    new Date(week.covered.from).toISOString(),
    "2026-11-29T23:00:00.000Z",
  );
  assert.equal(week.covered.to - week.covered.from, 7 * 86_400_000);
  // The day daylight saving ends is 25 hours long, and covered whole.
  const after = digestSpans("day", berlin, Date.parse("2026-10-26T07:00:00Z"));
  assert.equal(after.covered.to - after.covered.from, 25 * 3_600_000);
});

Deno.test("buildDigest(): yesterday's totals and movers come from the ledgers whole, balances are left out, a flow without one is named", () => {
  const sources: Source[] = [
    flow("shop", "revenue", [
      ["2026-12-05T10:00:00Z", 50_000], // Saturday
      ["2026-12-06T10:00:00Z", 80_000], // Sunday
      ["2026-12-06T22:59:59Z", 1_000], // Sunday 23:59:59 in Berlin
      ["2026-12-06T23:00:00Z", 9_999], // Monday: not in yesterday
    ]),
    flow("ads", "expense", [
      ["2026-12-05T12:00:00Z", 20_000],
      ["2026-12-06T12:00:00Z", 15_000],
    ]),
    flow("fx", "revenue", [["2026-12-06T12:00:00Z", 5]], "EUR"),
    { ...flow("bank", "revenue", []), nature: "stock" },
  ];
  const state = testPnlState({
    timezone: "Europe/Berlin",
    periods: { mtd: { revenueMinor: 500_000, netMinor: 400_000 } },
    sources: {
      shop: { label: "Web shop (Stripe, EU account)" },
      ads: { label: "Google Ads" },
    },
  });
  const d = buildDigest({
    spec: {
      id: "daily",
      every: "day",
      hour: 8,
      minute: 0,
      notify: ["ops"],
      movers: 5,
    },
    slot: { at: Date.parse("2026-12-07T07:00:00Z"), date: "2026-12-07" },
    calendar: berlin,
    sources,
    state,
    fired: [],
    currency: "USD",
    board: "Acme P&L",
    now: Date.parse("2026-12-07T07:00:01Z"),
  });
  assert.equal(d.key, "digest:daily:2026-12-07");
  assert.equal(d.title, "Daily digest for Sunday 6 Dec 2026");
  assert.deepEqual(d.figures, {
    revenueMinor: 81_000,
    expensesMinor: 15_000,
    tradingMinor: 0,
    netMinor: 66_000,
  });
  assert.equal(d.previous.netMinor, 30_000);
  assert.equal(
    d.summary,
    "Net $660.00, up $360.00 on the day before ($300.00)",
  );
  assert.deepEqual(d.incomplete, ["fx"]);
  assert.deepEqual(d.movers.map((m) => [m.label, m.changeMinor]), [
    ["Web shop (Stripe, EU account)", 31_000],
    ["Google Ads", -5_000],
  ]);
  assert.equal(d.periods.find((p) => p.id === "mtd")?.netMinor, 400_000);

  const text = digestText(d);
  assert.match(text, /Revenue: \$810\.00 \(\$500\.00 the day before\)/);
  assert.match(
    text,
    /Web shop \(Stripe, EU account\): \$810\.00, up \$310\.00/,
  );
  assert.match(text, /Not split by day, so left out: fx/);
  assert.match(text, /No alerts\./);
  const mail = emailMessage({
    id: "m",
    smtpUrl: "smtp://x",
    from: "a@x",
    to: ["b@x"],
  }, d);
  assert.equal(mail.subject, `${d.title}: ${d.summary}`);
  assert.equal(mail.messageId, "<digest.daily.2026-12-07@pulseboard>");
  const slack = slackMessage(d) as { text: string; blocks: { type: string }[] };
  assert.equal(slack.text, `${d.title}: ${d.summary}`);
  assert.equal(slack.blocks[0]!.type, "header");
  assert.ok(slack.blocks.length >= 6);
});

Deno.test("AlertService: a digest due waits until every source has been read since the start, then goes out once", async () => {
  using db = SqliteStore.open(":memory:");
  const clock = new FakeClock({ start: Date.parse("2026-12-07T06:59:00Z") });
  // Known from before this start: the digest is not new in the file.
  db.alerts.commit("digest:daily", {
    at: Date.parse("2026-12-06T07:00:00Z"),
    date: "2026-12-06",
  }, []);
  let read = false;
  const sent: string[] = [];
  const service = new AlertService({
    alerting: parseAlerting([], CHANNELS, {
      currency: "USD",
      sourceIds: ["shop"],
      env: { S: "secret" },
      digests: [{ id: "daily", notify: ["ops"] }],
    }),
    currency: "USD",
    board: "Test",
    store: db.alerts,
    clock,
    random: () => 0.5,
    calendar: berlin,
    sources: () => [flow("shop", "revenue", [])],
    hasRead: () => read,
    fetch: (_url, init) => {
      sent.push(
        JSON.parse(new TextDecoder().decode(init?.body as Uint8Array)).key,
      );
      return Promise.resolve(new Response("ok"));
    },
  });
  service.start();
  service.annotate(testPnlState({ timezone: "Europe/Berlin" }));
  for (let i = 0; i < 120; i++) {
    await clock.advance(1_000);
    await service.idle();
  }
  assert.deepEqual(sent, [], "08:00 passed, but the shop was not read yet");
  read = true;
  for (let i = 0; i < 5; i++) {
    await clock.advance(1_000);
    await service.idle();
  }
  assert.deepEqual(sent, ["digest:daily:2026-12-07"]);
  service.stop();
});
