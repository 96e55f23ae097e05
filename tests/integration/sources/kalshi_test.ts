import assert from "node:assert/strict";
import { CircuitOpenError, UpstreamHttpError } from "@/lib/resilience/mod.ts";
import { guardSource, UpstreamDataError } from "@/lib/sources/mod.ts";
import {
  importKalshiKey,
  signKalshiRequest,
} from "@/lib/sources/kalshi/kalshi_signing.ts";
import { FakeClock, systemClock } from "@/lib/time/mod.ts";
import {
  kalshiKeys,
  kalshiMock,
  serveMock,
} from "../../_helpers/upstreams/mod.ts";
import { kalshiSource } from "../../_helpers/upstreams/kalshi_source.ts";
import { fill } from "../../_helpers/upstreams/kalshi.ts";

const keys = await kalshiKeys();

/** The source under test, on the mock at `apiUrl`. */
const source = (
  apiUrl: string,
  overrides: Parameters<typeof kalshiSource>[2] = {},
) => kalshiSource(keys, apiUrl, { ...overrides });

Deno.test("Kalshi: PKCS#8 and PKCS#1 keys both sign requests the mock verifies with the public key", async () => {
  await using mock = kalshiMock({ keys });
  for (const pem of [keys.pkcs8Pem, keys.pkcs1Pem]) {
    const s = await source(mock.apiUrl, { key: await importKalshiKey(pem) });
    const reading = await s.read();
    assert.equal(reading.amountMinor, 156);
  }
  assert.ok(mock.verified >= 6);
});

Deno.test("Kalshi: realized P&L, balance, portfolio value and equity are exact (balance_dollars preferred over truncated cents)", async () => {
  await using mock = kalshiMock({ keys });
  const read = async (
    figure: "realized" | "balance" | "portfolio_value" | "equity",
  ) => (await (await source(mock.apiUrl, { figure })).read());
  const realized = await read("realized");
  assert.equal(realized.amountMinor, 156);
  assert.deepEqual(realized.detail, {
    balanceMinor: 9802,
    portfolioValueMinor: 198,
    balanceUpdatedAt: "2026-06-11T06:29:08.000Z",
    settlements: 1,
    positions: 3,
    fills: 4,
    realizedMinor: 156,
  });
  // asOf is the read time (systemClock here); see the test below.
  assert.equal((await read("balance")).amountMinor, 9802);
  assert.equal((await read("portfolio_value")).amountMinor, 198);
  // 98.0186 + 1.98 = 99.9986 -> 10000 cents
  assert.equal((await read("equity")).amountMinor, 10000);
});

Deno.test("Kalshi: pages through positions with the cursor; an empty cursor ends the list", async () => {
  await using mock = kalshiMock({ keys });
  const s = await source(mock.apiUrl, { pageSize: 1 });
  assert.equal((await s.read()).amountMinor, 156);
  assert.equal(mock.requests.get("/trade-api/v2/portfolio/positions"), 3);
});

Deno.test("Kalshi: a cursor that never ends is an error after maxPages, not a hang", async () => {
  await using mock = serveMock((_req, url) =>
    Response.json(
      url.pathname.endsWith("balance")
        ? { balance: 1, portfolio_value: 0, updated_ts: 1 }
        : { cursor: "again", settlements: [], market_positions: [] },
    )
  );
  const s = await source(`${mock.url}/trade-api/v2`, { maxPages: 5 });
  await assert.rejects(s.read(), (e: Error) => {
    assert.ok(e instanceof UpstreamDataError);
    assert.match(e.message, /cursor had not ended after 5 pages/);
    return true;
  });
  assert.equal(mock.requests.get("/trade-api/v2/portfolio/settlements"), 5);
});

Deno.test("Kalshi mock rejects what Kalshi rejects: a signed query string, a path without /trade-api/v2, a stale timestamp, an unknown key", async () => {
  await using mock = kalshiMock({ keys });
  const key = await importKalshiKey(keys.pkcs8Pem);
  const call = async (signedPath: string, ts: number, keyId = keys.keyId) => {
    const response = await fetch(
      `${mock.apiUrl}/portfolio/balance?subaccount=0`,
      {
        headers: {
          "KALSHI-ACCESS-KEY": keyId,
          "KALSHI-ACCESS-TIMESTAMP": String(ts),
          // The raw signature (signKalshiRequest strips a query itself).
          "KALSHI-ACCESS-SIGNATURE": signedPath.includes("?")
            ? await rawSign(key, `${ts}GET${signedPath}`)
            : await signKalshiRequest(key, ts, "GET", signedPath),
        },
      },
    );
    return { status: response.status, body: await response.json() };
  };
  const now = Date.now();
  const ok = await call("/trade-api/v2/portfolio/balance", now);
  assert.equal(ok.status, 200);
  const query = await call("/trade-api/v2/portfolio/balance?subaccount=0", now);
  assert.equal(query.body.error.details, "INCORRECT_API_KEY_SIGNATURE");
  const noPrefix = await call("/portfolio/balance", now);
  assert.equal(noPrefix.body.error.details, "INCORRECT_API_KEY_SIGNATURE");
  const stale = await call("/trade-api/v2/portfolio/balance", now - 60_000);
  assert.equal(stale.body.error.code, "header_timestamp_expired");
  const unknown = await call(
    "/trade-api/v2/portfolio/balance",
    now,
    crypto.randomUUID(),
  );
  assert.equal(unknown.body.error.details, "NOT_FOUND");
  const missing = await fetch(`${mock.apiUrl}/portfolio/balance`);
  assert.equal(
    (await missing.json()).error.code,
    "signature_is_missing_from_headers",
  );
});

async function rawSign(key: CryptoKey, message: string): Promise<string> {
  const sig = new Uint8Array(
    await crypto.subtle.sign(
      { name: "RSA-PSS", saltLength: 32 },
      key,
      new TextEncoder().encode(message),
    ),
  );
  return btoa(String.fromCharCode(...sig));
}

Deno.test("Kalshi: a 429 without Retry-After is retried with backoff, each attempt signed afresh", async () => {
  // A budget of one request a second, bursts of two: the third request in a
  // burst is refused as Kalshi refuses it.
  await using mock = kalshiMock({ keys, readsPerSecond: 1 });
  const guarded = guardSource(
    await source(mock.apiUrl, { figure: "balance" }),
    {
      clock: systemClock,
      retry: { maxAttempts: 10, minDelayMs: 300, maxDelayMs: 1500 },
    },
  );
  for (let i = 0; i < 4; i++) {
    assert.equal((await guarded.read()).amountMinor, 9802);
  }
  assert.ok(mock.total > 4, "some requests were refused and retried");
});

Deno.test("Kalshi: 500s open the breaker with the upstream's words, and it closes again once Kalshi answers", async () => {
  await using mock = kalshiMock({ keys });
  const clock = new FakeClock({ start: Date.now() });
  const guarded = guardSource(
    await source(mock.apiUrl, { figure: "balance" }),
    {
      clock,
      retry: { maxAttempts: 1 },
      breaker: { failureThreshold: 2, cooldownMs: 200 },
    },
  );
  mock.fault = {
    kind: "status",
    status: 500,
    body: {
      error: {
        code: "internal_server_error",
        message: "internal server error",
      },
    },
  };
  for (let i = 0; i < 2; i++) {
    await assert.rejects(guarded.read(), (e: Error) => {
      assert.ok(e instanceof UpstreamHttpError);
      assert.match(
        e.message,
        /Kalshi answered 500 for .*portfolio\/balance: internal server error/,
      );
      return true;
    });
  }
  await assert.rejects(guarded.read(), CircuitOpenError);
  mock.fault = undefined;
  await clock.advance(200);
  assert.equal((await guarded.read()).amountMinor, 9802);
  assert.equal(guarded.breakerState, "closed");
});

Deno.test("Kalshi: realized P&L counts in the period it was realized (a settlement at its settled_time, a position's realized part at its last change); the balance is a stock", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  await using mock = kalshiMock({ keys });
  const calendar = new ReportingCalendar();
  const periods = calendar.periods(Date.parse("2026-09-07T20:00:00Z"));
  const realized = await (await source(mock.apiUrl)).read(undefined, {
    periods,
  });
  assert.equal(realized.nature, "flow");
  // The settlement, 7 September: 2.00 - 0.50 - 0.06.
  assert.deepEqual(realized.periods?.today, {
    amountMinor: 144,
    previousMinor: 0,
  });
  assert.equal(realized.periods?.qtd.amountMinor, 144);
  // And June's positions: 0.2311 - 0.11, rounded once with the rest.
  assert.equal(realized.periods?.ytd.amountMinor, 156);
  assert.equal(realized.amountMinor, 144, "the figure is today's");
  const balance = await (await source(mock.apiUrl, { figure: "balance" }))
    .read(undefined, { periods });
  assert.equal(balance.nature, "stock");
  assert.equal(balance.periods, undefined);
  assert.equal(balance.amountMinor, 9802);
});

Deno.test("Kalshi: an unsettled position's realized P&L counts at the fills that realized it (average cost, fees at each fill), older fills read once from the historical tier, later fills from the watermark", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  await using mock = kalshiMock({ keys });
  const kalshi = await source(mock.apiUrl);
  const calendar = new ReportingCalendar();
  const periods = calendar.periods(Date.parse("2026-06-11T20:00:00Z"));
  const reading = await kalshi.read(undefined, { periods });
  // 11 June: A sells 5 at 0.45 bought at 0.40 (+0.25, fee 0.0089) and C
  // sells 2 at 0.45 bought at 0.50 (-0.10, fee 0.005): 0.1361.
  assert.equal(reading.periods?.today.amountMinor, 14);
  // June also has A's buying fee (0.01): 0.1261.
  assert.equal(reading.periods?.mtd.amountMinor, 13);
  // The year adds C's February buying fee (0.005), a historical fill.
  assert.equal(reading.periods?.ytd.amountMinor, 12);
  const historical = "/trade-api/v2/historical/fills";
  const live = "/trade-api/v2/portfolio/fills";
  assert.equal(mock.requests.get(historical), 1, "one list for every market");
  assert.equal(mock.requests.get("/trade-api/v2/historical/cutoff"), 1);
  // Nothing moved (the balance says so): one request, for the balance.
  const before = mock.total;
  await kalshi.read(undefined, { periods });
  assert.equal(mock.total - before, 1, "a quiet poll asks for the balance");
  // A new fill: it moves the balance, and the lists are asked from the
  // newest fill counted.
  mock.fixture.fills.push(
    fill(
      "f5",
      "KXEX-26JUN11-A",
      "bid",
      "1.00",
      "0.4000",
      "0.000000",
      "2026-06-12T10:00:00Z",
    ),
  );
  mock.fixture.balance = {
    ...mock.fixture.balance,
    balance_dollars: "97.6186",
  };
  await kalshi.read(undefined, { periods });
  assert.equal(mock.requests.get(historical), 1, "historical fills read once");
  assert.equal(mock.requests.get(live), 2, "live fills asked again");
  assert.ok(
    mock.served.includes(
      `/portfolio/fills?min_ts=${
        Date.parse("2026-06-11T06:29:30Z") / 1000
      }&limit=100`,
    ),
    "from the newest fill counted",
  );
  assert.equal(
    mock.requests.get("/trade-api/v2/portfolio/positions"),
    2,
    "positions again once something is new",
  );
  // Nothing counted twice: the whole year is Kalshi's own total so far.
  const later = calendar.periods(Date.parse("2026-12-31T12:00:00Z"));
  const year = await kalshi.read(undefined, { periods: later });
  assert.equal(year.periods?.ytd.amountMinor, 156);
});

Deno.test("Kalshi: asOf is when the account was read; Kalshi's own updated_ts, hours old on a quiet account, is kept beside it", async () => {
  await using mock = kalshiMock({ keys });
  const clock = new FakeClock({ start: Date.now() });
  const kalshi = await source(mock.apiUrl, { figure: "balance", clock });
  const reading = await kalshi.read();
  assert.equal(reading.asOf, new Date(clock.now()).toISOString());
  assert.equal(reading.detail?.balanceUpdatedAt, "2026-06-11T06:29:08.000Z");
});

Deno.test("Kalshi: a real-shaped two days of fills (a YES position opened yesterday, partly sold then and closed today; a NO position bought and partly sold today; a settlement) realize per day what a hand computation says", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  const { kalshiFill } = await import(
    "../../_helpers/upstreams/kalshi_shapes.ts"
  );
  const f = (
    id: string,
    ticker: string,
    action: "buy" | "sell",
    side: "yes" | "no",
    count: string,
    yes: string,
    fee: string,
    created: string,
  ) => kalshiFill({ id, ticker, action, side, count, yes, fee, created });
  await using mock = kalshiMock({
    keys,
    fixture: {
      balance: {
        balance: 10_000,
        balance_dollars: "100.0000",
        portfolio_value: 0,
        updated_ts: Date.parse("2026-10-14T16:00:00Z") / 1000,
      },
      fills: [
        // A: 10 YES at 0.30, 4 sold at 0.45 the same day (+0.60), the
        // other 6 sold today at 0.25 (-0.30); fees 0.02, 0.01, 0.01.
        f(
          "a1",
          "KXA",
          "buy",
          "yes",
          "10.00",
          "0.3000",
          "0.020000",
          "2026-10-13T09:00:00Z",
        ),
        f(
          "a2",
          "KXA",
          "sell",
          "yes",
          "4.00",
          "0.4500",
          "0.010000",
          "2026-10-13T14:00:00Z",
        ),
        f(
          "a3",
          "KXA",
          "sell",
          "yes",
          "6.00",
          "0.2500",
          "0.010000",
          "2026-10-14T11:00:00Z",
        ),
        // B: 5 NO at 0.60 (YES 0.40), 2 sold at 0.70 (YES 0.30): +0.20;
        // fees 0.03 and 0.01.
        f(
          "b1",
          "KXB",
          "buy",
          "no",
          "5.00",
          "0.4000",
          "0.030000",
          "2026-10-14T08:00:00Z",
        ),
        f(
          "b2",
          "KXB",
          "sell",
          "no",
          "2.00",
          "0.3000",
          "0.010000",
          "2026-10-14T12:00:00Z",
        ),
        // C: 3 YES at 0.55 yesterday, settled YES today: counted in the
        // settlement (3.00 - 1.65 - 0.02).
        f(
          "c1",
          "KXC",
          "buy",
          "yes",
          "3.00",
          "0.5500",
          "0.020000",
          "2026-10-13T10:00:00Z",
        ),
      ],
      settlements: [{
        ticker: "KXC",
        exchange_index: 0,
        event_ticker: "KXC-E",
        market_result: "yes",
        yes_count_fp: "3.00",
        yes_total_cost_dollars: "1.6500",
        no_count_fp: "0.00",
        no_total_cost_dollars: "0.0000",
        revenue: 300,
        value: 100,
        fee_cost: "0.0200",
        settled_time: "2026-10-14T16:00:00Z",
      }],
      positions: [{
        ticker: "KXA",
        exchange_index: 0,
        position_fp: "0.00",
        total_traded_dollars: "4.300000",
        market_exposure_dollars: "0.000000",
        realized_pnl_dollars: "0.300000",
        fees_paid_dollars: "0.040000",
        last_updated_ts: "2026-10-14T11:00:00Z",
      }, {
        ticker: "KXB",
        exchange_index: 0,
        position_fp: "-3.00",
        total_traded_dollars: "3.600000",
        market_exposure_dollars: "1.800000",
        realized_pnl_dollars: "0.200000",
        fees_paid_dollars: "0.040000",
        last_updated_ts: "2026-10-14T12:00:00Z",
      }],
      cutoff: {
        market_settled_ts: "2026-01-01T00:00:00Z",
        trades_created_ts: "2026-01-01T00:00:00Z",
        orders_updated_ts: "2026-01-01T00:00:00Z",
      },
    },
  });
  const calendar = new ReportingCalendar();
  const reading = await (await source(mock.apiUrl)).read(undefined, {
    periods: calendar.periods(Date.parse("2026-10-14T20:00:00Z")),
  });
  // Today: A -0.30 - 0.01; B +0.20 - 0.04; C's settlement +1.33.
  // Yesterday (to 20:00): A +0.60 - 0.02 - 0.01. A fill read as a YES
  // buy whatever its side put A's whole +0.30 on today (0.29 and -0.03).
  assert.deepEqual(reading.periods?.today, {
    amountMinor: 118,
    previousMinor: 57,
  });
  assert.equal(reading.amountMinor, 118);
});
