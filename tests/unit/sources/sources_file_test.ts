import assert from "node:assert/strict";
import { alertingSchemas } from "@/lib/alerts/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import {
  createSources,
  loadSourcesFile,
  parseSourcesFile,
  sourcesFileSchema,
} from "@/lib/sources/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

const FILE = "/etc/pulse/sources.json";
const stripe = {
  id: "stripe",
  kind: "stripe",
  role: "revenue",
  keyEnv: "STRIPE_SECRET_KEY",
  since: "2026-01-01",
};

function refuses(json: unknown, ...patterns: RegExp[]) {
  assert.throws(() => parseSourcesFile(json, FILE, "USD"), (e: Error) => {
    assert.equal(e.name, "SourcesFileError");
    assert.match(
      e.message,
      /^Invalid sources file \/etc\/pulse\/sources\.json \(PULSE_CONFIG\): /,
    );
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

Deno.test("sources file: defaults fill what is left out, per kind", () => {
  const file = parseSourcesFile({ sources: [stripe] }, FILE, "USD");
  const [entry] = file.entries;
  assert.equal(file.currency, "USD");
  assert.equal(entry?.common.intervalMs, 30_000);
  assert.deepEqual(entry?.common.retry, {
    maxAttempts: 3,
    minDelayMs: 250,
    maxDelayMs: 5_000,
  });
  assert.deepEqual(entry?.settings.amountField, "net");
  assert.equal(entry?.settings.since, "2026-01-01T00:00:00.000Z");
});

Deno.test("sources file: an unknown field is an error that suggests the right spelling", () => {
  refuses(
    { sources: [{ ...stripe, intervalMS: 5000 }] },
    /source "stripe" \(sources\[0\]\): sources\[0\]: unknown field "intervalMS" \(did you mean "intervalMs"\?\); the accepted fields are/,
  );
  refuses(
    { sources: [stripe], currencies: "USD" },
    /unknown field "currencies"/,
  );
  refuses(
    { sources: [{ ...stripe, retry: { attempts: 3 } }] },
    /sources\[0\]\.retry: unknown field "attempts"/,
  );
});

Deno.test("sources file: a wrong value names the field, what was found and what is accepted", () => {
  refuses(
    { sources: [{ ...stripe, intervalMs: -5 }] },
    /sources\[0\]\.intervalMs: found number -5, expected an integer from 100 to 86400000/,
  );
  refuses(
    { sources: [{ ...stripe, role: "income" }] },
    /sources\[0\]\.role: found the string "income", expected one of "revenue", "expense", "trading"/,
  );
  refuses(
    { sources: [{ ...stripe, since: "yesterday" }] },
    /sources\[0\]\.since: found the string "yesterday", expected an ISO-8601 date/,
  );
  refuses(
    { sources: [{ ...stripe, keyEnv: "sk_live_abc 123" }] },
    /sources\[0\]\.keyEnv: .*expected the name of an environment variable.*secrets never go in this file/,
  );
  refuses(
    { sources: [{ ...stripe, id: "Stripe EU" }] },
    /sources\[0\]\.id: found the string "Stripe EU", expected an id of lower-case letters/,
  );
  refuses(
    { sources: [{ ...stripe, kind: "paypal" }] },
    /sources\[0\]\.kind: found "paypal", expected one of "kalshi", "anthropic-costs", "stripe", "http-json", "webhook", "sql", "simulator"/,
  );
  refuses({
    sources: [{ ...stripe, retry: { minDelayMs: 900, maxDelayMs: 100 } }],
  }, /minDelayMs \(900\) is above maxDelayMs \(100\)/);
});

Deno.test("sources file: a missing field says what it is for", () => {
  const { since: _, ...noSince } = stripe;
  refuses(
    { sources: [noSince] },
    /sources\[0\]: missing field "since": Count transactions created at or after this instant/,
  );
  refuses({}, /missing field "sources"/);
  refuses({ sources: [] }, /the list is empty/);
});

Deno.test("sources file: duplicate ids and currencies without a rate are refused", () => {
  refuses(
    { sources: [stripe, stripe] },
    /sources\[1\]\.id: "stripe" is already the id of sources\[0\]/,
  );
  refuses(
    { sources: [{ ...stripe, currency: "EUR" }] },
    /reports EUR and the board reports USD; add "fxRate"/,
  );
  refuses(
    { sources: [{ ...stripe, fxRate: "1.1" }] },
    /already reports USD.*remove "fxRate"/,
  );
  refuses(
    {
      sources: [{
        id: "a",
        kind: "anthropic-costs",
        role: "expense",
        keyEnv: "K",
        currency: "EUR",
        fxRate: "1",
      }],
    },
    /anthropic-costs always reports USD/,
  );
  const ok = parseSourcesFile(
    { sources: [{ ...stripe, currency: "EUR", fxRate: "1.0825" }] },
    FILE,
    "USD",
  );
  assert.equal(ok.entries[0]?.common.currency, "EUR");
});

Deno.test("sources file: an unreadable file and bad JSON name the file", async () => {
  await assert.rejects(
    loadSourcesFile("/nonexistent/sources.json", "USD"),
    /Invalid sources file \/nonexistent\/sources\.json \(PULSE_CONFIG\): cannot read it/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/s.json`, '{"sources": [,]}');
    await assert.rejects(
      loadSourcesFile(`${dir}/s.json`, "USD"),
      /s\.json \(PULSE_CONFIG\): not valid JSON/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sources file: a secret missing from the environment is named by variable, never by value", async () => {
  using store = SqliteStore.open(":memory:");
  const file = parseSourcesFile({ sources: [stripe] }, FILE, "USD");
  await assert.rejects(
    createSources(file, {
      clock: new FakeClock(),
      env: {},
      ingest: store.ingest,
    }),
    /source "stripe" \(sources\[0\]\): sources\[0\]\.keyEnv: the environment variable STRIPE_SECRET_KEY is not set/,
  );
  const kalshi = parseSourcesFile(
    {
      sources: [{
        id: "k",
        kind: "kalshi",
        role: "trading",
        environment: "demo",
        keyIdEnv: "KID",
        privateKeyEnv: "KPEM",
      }],
    },
    FILE,
    "USD",
  );
  await assert.rejects(
    createSources(kalshi, {
      clock: new FakeClock(),
      env: { KID: "id", KPEM: "sk_secret_not_a_pem" },
      ingest: store.ingest,
    }),
    (e: Error) => {
      assert.match(e.message, /the private key is not PEM/);
      assert.doesNotMatch(e.message, /sk_secret_not_a_pem/);
      return true;
    },
  );
  const header = parseSourcesFile(
    {
      sources: [{
        id: "h",
        kind: "http-json",
        role: "revenue",
        url: "https://example.com/x",
        amountPointer: "/t",
        unit: "minor",
        headers: { authorization: "Bearer ${API_TOKEN}" },
      }],
    },
    FILE,
    "USD",
  );
  await assert.rejects(
    createSources(header, {
      clock: new FakeClock(),
      env: {},
      ingest: store.ingest,
    }),
    /sources\[0\]\.headers\.authorization: the environment variable API_TOKEN is not set/,
  );
});

Deno.test("the committed JSON Schema (docs/pulse-config.schema.json) is the one the validator's declarations give", async () => {
  const committed = JSON.parse(
    await Deno.readTextFile(
      new URL("../../../docs/pulse-config.schema.json", import.meta.url),
    ),
  );
  assert.deepEqual(
    committed,
    JSON.parse(JSON.stringify(sourcesFileSchema(alertingSchemas()))),
    "run `deno task docs`",
  );
});

Deno.test("the example sources file in docs/ is valid", async () => {
  const path = new URL("../../../docs/examples/sources.json", import.meta.url);
  const file = await loadSourcesFile(path.pathname, "USD");
  assert.deepEqual(
    [...new Set(file.entries.map((e) => e.common.kind))].sort(),
    [
      "anthropic-costs",
      "http-json",
      "kalshi",
      "simulator",
      "sql",
      "stripe",
      "webhook",
    ],
  );
});

Deno.test("sources file: a board title, per-source labels and a reporting time zone are read; an unknown zone is refused with what is accepted", () => {
  const file = parseSourcesFile(
    {
      title: "Acme P&L",
      timezone: "America/New_York",
      sources: [{
        id: "sim",
        label: "Demo",
        kind: "simulator",
        role: "revenue",
      }],
    },
    "/x/sources.json",
    "USD",
  );
  assert.equal(file.title, "Acme P&L");
  assert.equal(file.timeZone, "America/New_York");
  assert.equal(file.entries[0]?.common.label, "Demo");
  assert.throws(
    () =>
      parseSourcesFile(
        {
          timezone: "EST5",
          sources: [{ id: "sim", kind: "simulator", role: "revenue" }],
        },
        "/x/sources.json",
        "USD",
      ),
    /timezone: found the string "EST5", expected an IANA time zone such as "UTC" or "Europe\/Berlin"/,
  );
});

Deno.test("sources file: keys every object inherits (__proto__, constructor, toString) are unknown fields and unknown kinds, never accepted", async () => {
  const { parseAlerting } = await import("@/lib/alerts/mod.ts");
  // JSON.parse makes "__proto__" an own key, as a file on disk would.
  for (const key of ["__proto__", "constructor", "toString"]) {
    refuses(
      JSON.parse(
        `{"sources": [{${JSON.stringify(key)}: 1, ${
          JSON.stringify(stripe).slice(1)
        }]}`,
      ),
      new RegExp(`unknown field "${key}"`),
    );
    refuses(
      { sources: [{ ...stripe, kind: key }] },
      /sources\[0\]\.kind/,
    );
    assert.throws(
      () =>
        parseAlerting([], [{ id: "ops", kind: key, url: "https://x.test" }], {
          currency: "USD",
          sourceIds: [],
          env: {},
        }),
      (e: Error) => /channels\[0\]\.kind/.test(e.message),
      key,
    );
  }
});
