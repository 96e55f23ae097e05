import assert from "node:assert/strict";
import { TimeoutError } from "@/lib/resilience/mod.ts";
import { guardSource, UpstreamDataError } from "@/lib/sources/mod.ts";
import { HttpJsonSource } from "@/lib/sources/http_json.ts";
import { FakeClock } from "@/lib/time/mod.ts";
import { serveMock } from "../../_helpers/upstreams/mod.ts";

function source(
  url: string,
  overrides: Partial<ConstructorParameters<typeof HttpJsonSource>[0]> = {},
) {
  return new HttpJsonSource({
    id: "site",
    role: "revenue",
    currency: "USD",
    url,
    headers: {},
    amountPointer: "/data/total",
    unit: "major",
    timestampFormat: "iso",
    clock: new FakeClock(),
    ...overrides,
  });
}

Deno.test("http-json: the amount by JSON Pointer, in major or minor units, exactly, with its timestamp", async () => {
  let body: unknown = {
    data: { total: "1234.565", at: "2026-11-28T08:00:00-05:00", "a/b": 7 },
  };
  let seen = "";
  await using mock = serveMock((req) => {
    seen = req.headers.get("authorization") ?? "";
    return Response.json(body);
  });
  const r = await source(mock.url, {
    headers: { authorization: "Bearer t0k" },
    timestampPointer: "/data/at",
  }).read();
  assert.equal(r.amountMinor, 123456, "1234.565 rounds half to even");
  assert.equal(r.asOf, "2026-11-28T13:00:00.000Z");
  assert.equal(seen, "Bearer t0k");
  body = { data: { total: 98.07 } };
  assert.equal((await source(mock.url).read()).amountMinor, 9807);
  body = { data: { total: 9807 }, ts: 1_700_000_000_000 };
  assert.equal(
    (await source(mock.url, {
      unit: "minor",
      timestampPointer: "/ts",
      timestampFormat: "unix-ms",
    }).read()).asOf,
    "2023-11-14T22:13:20.000Z",
  );
  body = { data: { "a/b": 5 } };
  assert.equal(
    (await source(mock.url, { amountPointer: "/data/a~1b", unit: "minor" })
      .read()).amountMinor,
    5,
  );
});

Deno.test("http-json: wrong types, a missing amount, fractional minor units and malformed JSON say what was found", async () => {
  let body: unknown = { data: { total: true } };
  await using mock = serveMock(() =>
    typeof body === "string" ? new Response(body) : Response.json(body)
  );
  await assert.rejects(
    source(mock.url).read(),
    /at "\/data\/total": found true, expected a decimal amount/,
  );
  body = { data: {} };
  await assert.rejects(
    source(mock.url).read(),
    /nothing at amountPointer "\/data\/total"/,
  );
  body = { data: { total: 12.5 } };
  await assert.rejects(
    source(mock.url, { unit: "minor" }).read(),
    /expected an integer amount in minor units/,
  );
  body = { data: { total: 1e21 } };
  await assert.rejects(source(mock.url).read(), UpstreamDataError);
  body = "<html>oops</html>";
  await assert.rejects(source(mock.url).read(), /not JSON/);
});

Deno.test("http-json: a hung endpoint is aborted at the timeout and counted against the breaker", async () => {
  await using mock = serveMock(() => Response.json({}));
  mock.fault = { kind: "hang" };
  const clock = new FakeClock();
  const guarded = guardSource(source(mock.url), {
    clock,
    timeoutMs: 500,
    retry: { maxAttempts: 1 },
    breaker: { failureThreshold: 1 },
  });
  const pending = guarded.read();
  while (mock.total === 0) await new Promise((r) => setTimeout(r, 5));
  await clock.advance(500);
  await assert.rejects(pending, TimeoutError);
  assert.equal(guarded.breakerState, "open");
});

Deno.test("http-json: a URL with {from} and {to} is asked once per distinct period span, one request at a time, and each period is exact", async () => {
  const { ReportingCalendar } = await import("@/lib/time/mod.ts");
  // The endpoint sums its own orders over the span it is asked for.
  const orders: [string, number][] = [
    ["2026-11-28T10:00:00Z", 1_999],
    ["2026-11-27T09:00:00Z", 700],
    ["2026-11-27T13:00:00Z", 300],
    ["2026-11-03T09:00:00Z", 50],
  ];
  const asked: string[] = [];
  let inFlight = 0;
  let most = 0;
  await using mock = serveMock(async (_req, url) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 2));
    const from = url.searchParams.get("from")!;
    const to = url.searchParams.get("to")!;
    asked.push(`${from}..${to}`);
    const total = orders
      .filter(([at]) =>
        Date.parse(at) >= Date.parse(from) && Date.parse(at) < Date.parse(to)
      )
      .reduce((sum, [, cents]) => sum + cents, 0);
    inFlight--;
    return Response.json({ data: { total } });
  });
  const site = source(`${mock.url}/revenue?from={from}&to={to}`, {
    unit: "minor",
  });
  assert.equal(site.nature, "flow");
  const periods = new ReportingCalendar().periods(
    Date.parse("2026-11-28T12:00:00Z"),
  );
  const reading = await site.read(undefined, { periods });
  assert.deepEqual(reading.periods?.today, {
    amountMinor: 1_999,
    previousMinor: 700,
  });
  assert.deepEqual(reading.periods?.mtd, {
    amountMinor: 3_049,
    previousMinor: 0,
  });
  assert.equal(most, 1, "one request at a time");
  assert.equal(new Set(asked).size, asked.length, "each span once");
  assert.ok(asked.includes("2026-11-28T00:00:00Z..2026-11-28T12:00:00Z"));
  // Half a span is refused when the sources are built.
  const { createSources, parseSourcesFile, SqliteStore } = await import(
    "./_deps.ts"
  );
  using store = SqliteStore.open(":memory:");
  await assert.rejects(
    () =>
      createSources(
        parseSourcesFile(
          {
            sources: [{
              id: "x",
              kind: "http-json",
              role: "revenue",
              url: "https://example.com/?from={from}",
              amountPointer: "/t",
              unit: "minor",
            }],
          },
          "/x.json",
          "USD",
        ),
        { clock: new FakeClock(), env: {}, ingest: store.ingest },
      ),
    /it has \{from\} but not \{to\}; a flow split by period needs both/,
  );
});
