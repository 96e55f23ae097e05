import assert from "node:assert/strict";
import { UpstreamHttpError } from "@/lib/resilience/mod.ts";
import { guardSource, UpstreamDataError } from "@/lib/sources/mod.ts";
import { AnthropicCostsSource } from "@/lib/sources/anthropic/anthropic_costs.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import { anthropicMock } from "../../_helpers/upstreams/mod.ts";

const NOW = Date.parse("2026-11-28T15:00:00Z");

function costs(): Map<string, string[]> {
  return new Map([
    ["2026-11-01", ["100.5"]],
    ["2026-11-02", ["0.25", "0.25"]],
    ["2026-11-27", ["99.99999"]],
    ["2026-11-28", ["123.78912", "0.5", "1000.00001"]],
    ["2026-10-31", ["5000"]], // last month: not counted
  ]);
}

function source(
  baseUrl: string,
  overrides: Partial<ConstructorParameters<typeof AnthropicCostsSource>[0]> =
    {},
) {
  return new AnthropicCostsSource({
    id: "anthropic",
    role: "expense",
    key: "sk-ant-admin01-test-key",
    baseUrl,
    period: "day",
    anthropicVersion: "2023-06-01",
    pageSize: 31,
    maxPages: 20,
    clock: new FakeClock({ start: NOW }),
    ...overrides,
  });
}

Deno.test("Anthropic: today's and month-to-date costs are summed exactly from decimal cents, across pages", async () => {
  await using mock = anthropicMock(costs());
  const reading = await source(mock.url, { pageSize: 5 }).read();
  // 123.78912 + 0.5 + 1000.00001 = 1124.28913 -> 1124
  assert.equal(reading.amountMinor, 1124);
  // + 100.5 + 0.5 + 99.99999 = 1325.28912 -> 1325
  assert.deepEqual(reading.detail, {
    todayMinor: 1124,
    monthToDateMinor: 1325,
  });
  assert.equal(
    mock.requests.get("/v1/organizations/cost_report"),
    6,
    "28 days in pages of 5",
  );
  const month = await source(mock.url, { period: "month" }).read();
  assert.equal(month.amountMinor, 1325);
});

Deno.test("Anthropic mock checks the admin key and the version header, with request-id and the error envelope", async () => {
  await using mock = anthropicMock(costs());
  await assert.rejects(
    source(mock.url, { key: "sk-ant-api03-ordinary" }).read(),
    (e: Error) => {
      assert.ok(e instanceof UpstreamHttpError);
      assert.equal(e.status, 403);
      assert.match(
        e.message,
        /permission_error: This endpoint requires an Admin API key/,
      );
      return true;
    },
  );
  await assert.rejects(
    source(mock.url, { key: "sk-ant-admin01-wrong" }).read(),
    /401.*authentication_error/,
  );
});

Deno.test("Anthropic: a 429 without retry-after (the spend cap) is not retried; with retry-after it is, after the wait", async () => {
  await using mock = anthropicMock(costs());
  const clock = new FakeClock({ start: NOW });
  const guarded = guardSource(source(mock.url, { clock }), {
    clock,
    retry: { maxAttempts: 3 },
  });
  mock.fault = {
    kind: "status",
    status: 429,
    body: {
      type: "error",
      error: { type: "rate_limit_error", message: "spend limit reached" },
    },
  };
  await assert.rejects(guarded.read(), /429.*spend limit reached/);
  assert.equal(mock.total, 1, "the spend-cap 429 was not retried");

  mock.fault = {
    kind: "status",
    status: 429,
    headers: { "retry-after": "7" },
    body: {
      type: "error",
      error: { type: "rate_limit_error", message: "slow down" },
    },
  };
  const pending = guarded.read();
  while (mock.total < 2) await new Promise((r) => setTimeout(r, 5));
  mock.fault = undefined;
  // Nothing is sent again until the 7 s asked for have passed.
  await clock.advance(6_900);
  assert.equal(mock.total, 2);
  await clock.advance(100);
  assert.equal((await pending).amountMinor, 1124);
  // The retried page of the month's final days, then the last three days.
  assert.equal(mock.total, 4);
});

Deno.test("Anthropic: 529 overloaded is retried; malformed JSON and wrong types fail with what was wrong", async () => {
  await using mock = anthropicMock(costs());
  const clock = new FakeClock({ start: NOW });
  mock.fault = { kind: "malformed" };
  await assert.rejects(
    source(mock.url, { clock }).read(),
    (e: Error) => e instanceof UpstreamDataError && /not JSON/.test(e.message),
  );
  mock.fault = {
    kind: "status",
    status: 200,
    body: {
      data: [{
        starting_at: "2026-11-28T00:00:00Z",
        results: [{ currency: "USD", amount: 12.5 }],
      }],
      has_more: false,
    },
  };
  await assert.rejects(
    source(mock.url, { clock }).read(),
    /field "amount" should be a string, found 12.5/,
  );
  mock.fault = {
    kind: "status",
    status: 200,
    body: { data: [], has_more: true, next_page: "page_x" },
  };
  await assert.rejects(
    source(mock.url, { clock, maxPages: 3 }).read(),
    /Anthropic days: the cursor had not ended after 3 pages/,
  );
  mock.fault = {
    kind: "status",
    status: 529,
    body: {
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    },
  };
  const guarded = guardSource(source(mock.url, { clock }), {
    clock,
    retry: { maxAttempts: 2, minDelayMs: 10, maxDelayMs: 10 },
    random: () => 0.5,
  });
  const pending = guarded.read();
  const before = mock.total;
  while (mock.total === before) await new Promise((r) => setTimeout(r, 5));
  mock.fault = undefined;
  await clock.advance(10);
  assert.equal((await pending).amountMinor, 1124);
});

Deno.test("Anthropic: day buckets count on the board's day of the same date, in every zone; the past is read once, later reads fetch the last three days", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  await using mock = anthropicMock(costs());
  for (const zone of ["UTC", "America/New_York", "Pacific/Auckland"]) {
    const clock = new FakeClock({ start: NOW });
    const calendar = new ReportingCalendar({ timeZone: zone });
    const anthropic = source(mock.url, { clock, timeZone: zone, maxPages: 40 });
    const reading = await anthropic.read(undefined, {
      periods: calendar.periods(clock.now()),
    });
    // 15:00 UTC on 28 November is the 28th in New York and the 29th in
    // Auckland: today's UTC costs are on "today" in the first two.
    const today = zone === "Pacific/Auckland" ? 0 : 1124;
    assert.equal(reading.periods?.today.amountMinor, today, zone);
    assert.equal(reading.periods?.mtd.amountMinor, 1325, zone);
    // October 31 is after "the same point" of last month, but in the quarter.
    assert.equal(reading.periods?.mtd.previousMinor, 0, zone);
    assert.equal(reading.periods?.qtd.amountMinor, 5000 + 1325, zone);
    // In Auckland "yesterday" is 28 November: its whole UTC day.
    assert.equal(
      reading.periods?.today.previousMinor,
      zone === "Pacific/Auckland" ? 1124 : 100,
      zone,
    );
    const first = mock.requests.get("/v1/organizations/cost_report")!;
    await anthropic.read(undefined, { periods: calendar.periods(clock.now()) });
    const second = mock.requests.get("/v1/organizations/cost_report")! - first;
    assert.equal(second, 1, `${zone}: one page for the last three days`);
    mock.requests.clear();
  }
});

Deno.test("Anthropic: the first sync of two years of days goes page by page with an estimate of the pages, is kept in SQLite, and a restarted process then reads only the last three days", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  const { SqliteStore } = await import("@/lib/store/mod.ts");
  const days = new Map<string, string[]>();
  for (
    let d = Date.parse("2025-01-01T00:00:00Z");
    d <= NOW;
    d += 86_400_000
  ) days.set(new Date(d).toISOString().slice(0, 10), ["150.5"]);
  await using mock = anthropicMock(days);
  const clock = new FakeClock({ start: NOW });
  const periods = new ReportingCalendar().periods(NOW);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pulse.db`;
    const final = 694; // 2025-01-01 through 2026-11-25
    {
      using store = SqliteStore.open(path);
      const first = source(mock.url, {
        clock,
        maxPages: 100,
        pagesPerRead: 10,
        sync: store.sync,
      });
      const partial = await first.read(undefined, { periods });
      assert.deepEqual(partial.syncing, {
        pages: 10,
        items: 310,
        estimatedPages: Math.ceil(final / 31),
      });
    } // the process ends here, a third of the way
    using store = SqliteStore.open(path);
    const second = source(mock.url, {
      clock,
      maxPages: 100,
      pagesPerRead: 10,
      sync: store.sync,
    });
    let reading = await second.read(undefined, { periods });
    while (reading.syncing) reading = await second.read(undefined, { periods });
    const requests = () => mock.requests.get("/v1/organizations/cost_report");
    assert.equal(requests(), Math.ceil(final / 31) + 1, "no page twice");
    // 2026 through the 28th of November: 332 days of $1.505.
    assert.equal(reading.periods?.ytd.amountMinor, Math.round(332 * 150.5));
    assert.equal(reading.periods?.ytd.previousMinor, Math.round(332 * 150.5));
    const third = source(mock.url, { clock, sync: store.sync });
    const again = await third.read(undefined, { periods });
    assert.equal(
      again.periods?.ytd.amountMinor,
      reading.periods?.ytd.amountMinor,
    );
    assert.equal(requests(), Math.ceil(final / 31) + 2, "one request");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
