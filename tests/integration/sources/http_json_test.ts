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
