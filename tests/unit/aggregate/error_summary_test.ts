import assert from "node:assert/strict";
import { summarizeError } from "@/lib/aggregate/mod.ts";
import {
  CircuitOpenError,
  TimeoutError,
  UpstreamHttpError,
} from "@/lib/resilience/mod.ts";
import { UpstreamDataError } from "@/lib/sources/mod.ts";

Deno.test("summarizeError: viewers get the kind of failure, never the upstream's text; operators get all of it", async () => {
  // A real refused connection (a port just closed), with a key in the URL
  // as some APIs want it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  const refused = await fetch(
    `http://127.0.0.1:${port}/v1/balance?api_key=sk_live_secret`,
  ).then(() => undefined, (error: unknown) => error);
  const net = summarizeError(refused);
  assert.equal(net.summary, "connection refused");
  assert.doesNotMatch(net.summary, /sk_live/);
  assert.match(net.detail, /refused/i);

  const cases: [unknown, string][] = [
    [new TimeoutError("Stripe read", 5_000), "timed out after 5 s"],
    [
      new UpstreamHttpError(429, "Stripe answered 429: too many requests"),
      "rate limited by the upstream (HTTP 429)",
    ],
    [
      new UpstreamHttpError(
        403,
        "Anthropic answered 403: key sk-ant-xyz revoked",
      ),
      "the upstream refused the credentials (HTTP 403)",
    ],
    [
      new UpstreamHttpError(502, "bad gateway"),
      "the upstream failed (HTTP 502)",
    ],
    [
      new UpstreamDataError('"balance": found "Bearer abc"'),
      "the upstream's answer could not be read",
    ],
    [
      new Error("retry gave up", {
        cause: new UpstreamHttpError(503, "busy: token=abc"),
      }),
      "the upstream failed (HTTP 503)",
    ],
    [
      new CircuitOpenError("stripe", 12_300),
      "paused after repeated failures; next try in 13 s",
    ],
    ["something odd", "the read failed"],
  ];
  for (const [error, summary] of cases) {
    const got = summarizeError(error);
    assert.equal(got.summary, summary);
    assert.doesNotMatch(got.summary, /sk-|sk_|Bearer|token=/);
  }
  assert.equal(
    summarizeError(cases[5]![0]).detail,
    "retry gave up: busy: token=abc",
    "the detail keeps every cause",
  );
});
