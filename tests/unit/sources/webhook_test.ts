import assert from "node:assert/strict";
import { SqliteStore } from "@/lib/store/mod.ts";
import { signWebhook, verifyWebhook } from "@/lib/security/mod.ts";
import { IngestError, WebhookSource } from "@/lib/sources/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

const T = 1_700_000_000;
const encode = (s: string) => new TextEncoder().encode(s);

function setup(
  mode: "total" | "increment" = "increment",
  secrets = ["whsec_now"],
) {
  const store = SqliteStore.open(":memory:");
  const clock = new FakeClock({ start: T * 1000 });
  const source = new WebhookSource({
    id: "shop",
    role: "revenue",
    currency: "USD",
    secrets,
    mode,
    toleranceS: 300,
    maxBodyBytes: 1024,
    store: store.ingest,
    clock,
  });
  return { store, clock, source, [Symbol.dispose]: () => store.close() };
}

async function refused(
  p: Promise<unknown>,
  status: number,
  reason: string,
  message: RegExp,
) {
  await assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof IngestError);
    assert.equal(e.status, status);
    assert.equal(e.reason, reason);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("webhook signature: the reference test vector verifies; any of several v1 may match (rotation)", async () => {
  const body = encode('{"id":"evt_1","object":"event"}');
  const header =
    "t=1700000000,v1=0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd";
  assert.equal(
    await verifyWebhook(header, body, ["whsec_test_secret"], T * 1000, 300),
    T,
  );
  const rotated = `t=${T},v1=${
    "0".repeat(64)
  },v1=0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd,v0=abc`;
  assert.equal(
    await verifyWebhook(rotated, body, ["whsec_test_secret"], T * 1000, 300),
    T,
  );
  // The server may also hold the old secret while senders switch.
  assert.equal(
    await verifyWebhook(
      header,
      body,
      ["whsec_new", "whsec_test_secret"],
      T * 1000,
      300,
    ),
    T,
  );
});

Deno.test("webhook: every kind of bad delivery is refused with its reason and stores nothing", async () => {
  using s = setup();
  const body = '{"id":"evt_1","amountMinor":100}';
  const sign = (b: string, t = T, secret = "whsec_now") =>
    signWebhook(secret, t, encode(b));
  await refused(
    s.source.ingest(encode(body), null),
    401,
    "signature_missing",
    /no signature header/,
  );
  await refused(
    s.source.ingest(encode(body), "v1=abc"),
    401,
    "signature_malformed",
    /cannot read the timestamp/,
  );
  await refused(
    s.source.ingest(encode(body), `t=${T}`),
    401,
    "signature_malformed",
    /no "v1=" signature/,
  );
  await refused(
    s.source.ingest(encode(body), await sign(body, T, "whsec_other")),
    401,
    "signature_mismatch",
    /no signature matches/,
  );
  await refused(
    s.source.ingest(encode(body + "\n"), await sign(body)),
    401,
    "signature_mismatch",
    /exact bytes/,
  );
  await refused(
    s.source.ingest(encode(body), await sign(body, T - 301)),
    401,
    "signature_stale",
    /more than 300 s/,
  );
  await refused(
    s.source.ingest(encode(body), await sign(body, T + 301)),
    401,
    "signature_stale",
    /more than 300 s/,
  );
  const big = `{"id":"x","amountMinor":1,"pad":"${"x".repeat(1100)}"}`;
  await refused(
    s.source.ingest(encode(big), await sign(big)),
    413,
    "too_large",
    /accepts at most 1024/,
  );
  for (
    const [b, message] of [
      ["{nope", /not JSON/],
      ["[1,2]", /must be a JSON object/],
      ['{"id":"e","amountMinor":1,"amont":2}', /unknown field "amont"/],
      ['{"amountMinor":1}', /"id" must be a string/],
      ['{"id":"e"}', /exactly one of "amountMinor".* or "amount"/],
      ['{"id":"e","amountMinor":1,"amount":"1"}', /exactly one of/],
      ['{"id":"e","amountMinor":"100"}', /"amountMinor" must be an integer/],
      ['{"id":"e","amountMinor":1.5}', /integer amount in minor units/],
      ['{"id":"e","amount":12.5}', /"amount" must be a decimal string/],
      ['{"id":"e","amount":"12,50"}', /expected a decimal amount/],
      ['{"id":"e","amountMinor":1,"currency":"EUR"}', /takes USD/],
      [
        '{"id":"e","amountMinor":1,"asOf":"yesterday"}',
        /"asOf": found "yesterday"/,
      ],
      [
        // A total dated in 2062 would pin the figure for decades.
        '{"id":"e","amountMinor":1,"asOf":"2062-01-01T00:00:00Z"}',
        /"asOf" is 2062-01-01T00:00:00\.000Z, \d+ s after this server's time .*at most 300 s ahead/,
      ],
    ] as const
  ) {
    await refused(
      s.source.ingest(encode(b), await sign(b)),
      400,
      "invalid",
      message,
    );
  }
  assert.equal((await s.source.read()).amountMinor, 0, "nothing was stored");
  assert.equal(s.store.ingest.latest("shop"), undefined);
});

Deno.test("webhook increment: each event id counts once, refunds subtract, and the sum survives a restart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pulse.db`;
    const clock = new FakeClock({ start: T * 1000 });
    const open = () => {
      const store = SqliteStore.open(path);
      return {
        store,
        source: new WebhookSource({
          id: "shop",
          role: "revenue",
          currency: "USD",
          secrets: ["k"],
          mode: "increment",
          toleranceS: 300,
          maxBodyBytes: 1024,
          store: store.ingest,
          clock,
        }),
      };
    };
    const a = open();
    const send = async (src: WebhookSource, b: string) =>
      src.ingest(encode(b), await signWebhook("k", T, encode(b)));
    assert.equal(
      (await send(a.source, '{"id":"evt_1","amount":"12.50"}')).duplicate,
      false,
    );
    assert.equal(
      (await send(a.source, '{"id":"evt_1","amount":"12.50"}')).duplicate,
      true,
    );
    await send(a.source, '{"id":"evt_2","amountMinor":-250}');
    assert.equal((await a.source.read()).amountMinor, 1000);
    a.store.close();
    const b = open();
    assert.equal((await b.source.read()).amountMinor, 1000);
    assert.equal(
      (await send(b.source, '{"id":"evt_2","amountMinor":-250}')).duplicate,
      true,
    );
    b.store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("webhook total: the newest asOf wins when deliveries arrive out of order; no figure before the first event", async () => {
  using s = setup("total");
  await assert.rejects(
    s.source.read(),
    /no event received yet at \/api\/ingest\/shop/,
  );
  const send = async (b: string) =>
    s.source.ingest(encode(b), await signWebhook("whsec_now", T, encode(b)));
  await send('{"id":"e2","amountMinor":900,"asOf":"2023-11-14T12:00:00Z"}');
  await send('{"id":"e1","amountMinor":500,"asOf":"2023-11-14T11:00:00Z"}');
  const r = await s.source.read();
  assert.equal(r.amountMinor, 900);
  assert.equal(r.asOf, "2023-11-14T12:00:00.000Z");
});

Deno.test("webhook increments count in the period of their own time (a late delivery lands yesterday); a total is a balance", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  const calendar = new ReportingCalendar({ timeZone: "America/New_York" });
  const store = SqliteStore.open(":memory:");
  try {
    // 10:00 in New York on 2 December 2026.
    const now = Date.parse("2026-12-02T15:00:00Z");
    const clock = new FakeClock({ start: now });
    const make = (mode: "total" | "increment") =>
      new WebhookSource({
        id: mode,
        role: "revenue",
        currency: "USD",
        secrets: ["k"],
        mode,
        toleranceS: 300,
        maxBodyBytes: 1024,
        store: store.ingest,
        clock,
        calendar,
      });
    const shop = make("increment");
    const send = async (
      source: WebhookSource,
      id: string,
      amountMinor: number,
      asOf: string,
    ) => {
      const body = encode(JSON.stringify({ id, amountMinor, asOf }));
      const t = Math.floor(clock.now() / 1000);
      return source.ingest(body, await signWebhook("k", t, body));
    };
    await send(shop, "a", 1_000, "2026-12-02T14:00:00Z"); // today, 09:00
    // Sent at 23:30 on 1 December in New York, delivered now.
    await send(shop, "b", 400, "2026-12-02T04:30:00Z");
    await send(shop, "c", -150, "2026-12-02T14:30:00Z"); // a refund today
    const context = { periods: calendar.periods(clock.now()) };
    const reading = await shop.read(undefined, context);
    assert.equal(shop.nature, "flow");
    assert.equal(reading.nature, "flow");
    assert.deepEqual(reading.periods?.today, {
      amountMinor: 850,
      previousMinor: 0,
    });
    assert.equal(reading.periods?.mtd.amountMinor, 1_250, "1 December");
    assert.equal(reading.periods?.ytd.amountMinor, 1_250);
    assert.equal(reading.amountMinor, 850, "the figure is today's");
    assert.equal((reading as { buckets?: unknown }).buckets, undefined);

    const balance = make("total");
    assert.equal(balance.nature, "stock");
    await send(balance, "t1", 90_000, "2026-12-02T14:00:00Z");
    const held = await balance.read(undefined, context);
    assert.equal(held.nature, "stock");
    assert.equal(held.amountMinor, 90_000);
    assert.equal(held.periods, undefined);
  } finally {
    store.close();
  }
});
