/**
 * Hostile input, seeded and bounded, at every entry point: WebSocket
 * messages, query parameters of every route, Last-Event-ID, the
 * configuration loader, webhook deliveries and the sources file. After each batch the server is alive, a bystander
 * still receives every seq, and the state is exactly what was published.
 */
import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "@/lib/config.ts";
import { seededRandom } from "@/lib/time/mod.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { signWebhook } from "@/lib/security/mod.ts";
import {
  IngestError,
  parseSourcesFile,
  SourcesFileError,
  WebhookSource,
} from "@/lib/sources/mod.ts";
import { serveLiveApp } from "../_helpers/live_app.ts";
import { openRecordingSocket } from "../_helpers/ws_client.ts";

const random = seededRandom(0xf022);
const pick = <T>(list: readonly T[]): T =>
  list[Math.floor(random() * list.length)] as T;

const ATOMS = [
  "",
  "-1",
  "0",
  "1e400",
  "9007199254740993",
  "NaN",
  "null",
  "true",
  "__proto__",
  "constructor",
  "pnl",
  "nope",
  "../../etc/passwd",
  "%00",
  "%ff%fe",
  "<script>",
  "a".repeat(5000),
  "🙂",
  "\u2028",
  "k3x9:12",
  "::",
  "abcd:-1",
];

function hostileJson(): string {
  const shapes = [
    () => "[".repeat(5000) + "]".repeat(5000),
    () =>
      '{"type":"subscribe","topic":' +
      pick(['{"$gt":""}', "[]", "1e400", '"' + "x".repeat(100) + '"', "null"]) +
      "}",
    () =>
      '{"type":"subscribe","topic":"pnl","since":' +
      pick(["1e400", "-0", '"1"', "[1]", "1.5", "9007199254740993"]) + "}",
    () =>
      '{"__proto__":{"type":"ping","id":"p"},"constructor":{"prototype":{"x":1}}}',
    () =>
      '{"type":"ping","id":' +
      pick(["1", "null", '{"a":1}', '"' + "y".repeat(200) + '"']) + "}",
    () =>
      JSON.stringify({
        type: pick([
          "subscribe",
          "unsubscribe",
          "ping",
          "PING",
          "",
          "snapshot",
        ]),
        topic: pick(ATOMS),
      }),
    () =>
      '{"type":"subscribe","topic":"pnl"}'.slice(0, Math.floor(random() * 30)), // truncated
    () => "\ud800\udc00\ud800", // lone surrogate
  ];
  return pick(shapes)();
}

Deno.test("fuzz: hostile WebSocket frames, query parameters and Last-Event-ID leave the server serving and the state untouched", async () => {
  await using app = await serveLiveApp({ initial: { n: 0 } });
  const ws = app.url.replace("http", "ws");
  await using bystander = await openRecordingSocket(`${ws}api/ws?topic=pnl`);
  let n = 0;
  for (let batch = 0; batch < 6; batch++) {
    // WebSocket frames, text and invalid UTF-8 binary.
    await using hostile = await openRecordingSocket(`${ws}api/ws`);
    for (let i = 0; i < 15; i++) hostile.send(hostileJson());
    const raw = new WebSocket(`${ws}api/ws`);
    await new Promise((r) => raw.onopen = r);
    raw.send(new Uint8Array([0xff, 0xfe, 0xc3, 0x28]));
    raw.close();
    await new Promise((r) => raw.onclose = r);

    // Query parameters on every route, and Last-Event-ID.
    for (let i = 0; i < 25; i++) {
      const route = pick([
        "api/snapshot",
        "api/poll",
        "api/sse",
        "api/history",
        "api/ws",
        "static/x",
        "nope",
      ]);
      const params = new URLSearchParams();
      for (
        const name of [
          "topic",
          "since",
          "epoch",
          "timeout",
          "from",
          "to",
          "limit",
          "transport",
        ]
      ) {
        if (random() < 0.5) params.set(name, pick(ATOMS));
      }
      if (params.has("timeout")) {
        params.set("timeout", pick(["0", "abc", "-5", "1e9"]));
      }
      const headers: Record<string, string> = random() < 0.3
        // Header values travel as bytes: the atom's UTF-8, as Latin-1 characters.
        ? {
          "last-event-id": unescape(
            encodeURIComponent(pick(ATOMS).slice(0, 200)),
          ).replace(/[\r\n]/g, ""),
        }
        : {};
      const abort = new AbortController();
      const res = await fetch(`${app.url}${route}?${params}`, {
        headers,
        signal: abort.signal,
      });
      // The live app keeps no history: its documented answer there is 503.
      const expected = res.status < 500 ||
        (route === "api/history" && res.status === 503);
      assert.ok(expected, `${route}?${params} answered ${res.status}`);
      abort.abort(); // SSE streams and parked polls are left by the client
      await res.body?.cancel().catch(() => {});
    }

    // The server is alive, the state is what was published, and the bystander has every seq.
    for (let k = 0; k < 3; k++) {
      app.hub.publish("pnl", { n: ++n });
      for (let i = 0; i < 100 && app.hub.position("pnl").seq !== n + 1; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    assert.deepEqual(app.hub.state("pnl"), { n });
    await bystander.waitFor((m) => m.length === n + 1);
    assert.deepEqual(
      bystander.messages.slice(1).map((m) =>
        m.type === "delta" ? [m.base, m.seq] : m.type
      ),
      Array.from({ length: n }, (_, i) => [i + 1, i + 2]),
    );
    // Nothing hostile stays behind: parked polls and SSE streams are gone,
    // and only the bystander and this batch's hostile socket hold WebSockets.
    const lingering = () =>
      (app.connections.counts().poll ?? 0) +
      (app.connections.counts().sse ?? 0);
    for (let i = 0; i < 100 && lingering() > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(lingering(), 0);
    assert.ok((app.connections.counts().ws ?? 0) <= 2);
    const errors = hostile.messages.filter((m) => m.type === "error").length;
    assert.ok(
      errors >= 10 || hostile.messages.length >= 10,
      "hostile frames were answered, not ignored",
    );
  }
});

Deno.test("fuzz: the configuration loader answers every hostile environment with a config or a ConfigError, nothing else", () => {
  const names = [
    "PORT",
    "PULSE_BATCH_MS",
    "PULSE_SIM_INTERVAL_MS",
    "REDIS_URL",
    "PULSE_ALLOWED_ORIGINS",
    "PULSE_TOKENS",
    "PULSE_SESSION_SECRET",
    "PULSE_CURRENCY",
    "PULSE_HISTORY_COUNT",
    "PULSE_MAX_BODY_BYTES",
  ];
  let accepted = 0;
  for (let i = 0; i < 500; i++) {
    const env: Record<string, string> = {};
    for (const name of names) if (random() < 0.12) env[name] = pick(ATOMS);
    try {
      parseConfig(env);
      accepted++;
    } catch (error) {
      assert.ok(
        error instanceof ConfigError,
        `${JSON.stringify(env).slice(0, 200)} threw ${error}`,
      );
      assert.ok(
        !error.message.includes("a".repeat(100)),
        "huge values are not echoed whole",
      );
    }
  }
  assert.ok(accepted > 10);
});

Deno.test("fuzz: hostile webhook deliveries, signed and not, are refused or counted exactly once, never anything else", async () => {
  using store = SqliteStore.open(":memory:");
  const now = 1_700_000_000_000;
  const shop = new WebhookSource({
    id: "shop",
    role: "revenue",
    currency: "USD",
    secrets: ["whsec_fuzz"],
    mode: "increment",
    toleranceS: 300,
    maxBodyBytes: 4096,
    store: store.ingest,
    clock: { now: () => now },
  });
  const bodies = () =>
    pick([
      () => hostileJson(),
      () => pick(ATOMS),
      () =>
        JSON.stringify({
          id: pick([
            "evt_" + Math.floor(random() * 20),
            "",
            1,
            null,
            "x".repeat(300),
            "\u0000",
          ]),
          [pick(["amountMinor", "amount", "amont"])]: pick<unknown>([
            Math.floor(random() * 2000) - 500,
            "12.34",
            "1e3",
            1.5,
            null,
            [],
            9007199254740993,
          ]),
          ...(random() < 0.3
            ? { currency: pick(["USD", "usd", "EUR", 1]) }
            : {}),
          ...(random() < 0.3
            ? { asOf: pick(["2026-11-28T00:00:00Z", "never", 0]) }
            : {}),
        }),
    ])();
  let expected = 0;
  const counted = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const text = bodies();
    const bytes = new TextEncoder().encode(text);
    const t = Math.floor(now / 1000) + pick([0, 0, 0, -299, 301, -100000]);
    const header = random() < 0.8
      ? await signWebhook(pick(["whsec_fuzz", "whsec_fuzz", "other"]), t, bytes)
      : pick([
        null,
        "",
        "t=,v1=",
        "v1=" + "a".repeat(64),
        "t=1e9,v1=zz",
        pick(ATOMS),
      ]);
    try {
      const result = await shop.ingest(bytes, header);
      if (!result.duplicate) {
        assert.ok(!counted.has(result.id));
        counted.add(result.id);
        expected += JSON.parse(text).amountMinor ??
          Math.round(Number(JSON.parse(text).amount) * 100);
      }
    } catch (error) {
      assert.ok(error instanceof IngestError, `unexpected ${error}`);
      assert.ok([400, 401, 413].includes(error.status));
      assert.ok(error.message.length > 10);
    }
  }
  assert.ok(counted.size > 0, "some deliveries were valid");
  assert.equal((await shop.read()).amountMinor, expected);
});

Deno.test("fuzz: the sources-file validator answers every hostile document with a file or a SourcesFileError, nothing else", () => {
  const kinds = [
    "kalshi",
    "stripe",
    "webhook",
    "sql",
    "http-json",
    "anthropic-costs",
    "simulator",
    "nope",
  ];
  const values = [
    null,
    1,
    -1,
    1e400,
    "",
    "x",
    [],
    {},
    true,
    "USD",
    "2026-01-01",
    "/a",
    "K_ENV",
    "https://x.test",
  ];
  const fields = [
    "id",
    "kind",
    "role",
    "intervalMs",
    "retry",
    "breaker",
    "currency",
    "fxRate",
    "keyEnv",
    "since",
    "url",
    "unit",
    "amountPointer",
    "secretEnv",
    "__proto__",
    "constructor",
  ];
  for (let i = 0; i < 500; i++) {
    const source: Record<string, unknown> = {
      id: `s${i}`,
      kind: pick(kinds),
      role: pick(["revenue", "expense", "x"]),
    };
    for (let n = Math.floor(random() * 6); n > 0; n--) {
      source[pick(fields)] = pick(values);
    }
    const doc = random() < 0.1
      ? pick(values)
      : { sources: random() < 0.1 ? pick(values) : [source] };
    try {
      parseSourcesFile(doc, "fuzz.json", "USD");
    } catch (error) {
      assert.ok(error instanceof SourcesFileError, `unexpected ${error}`);
      assert.match(
        error.message,
        /^Invalid sources file fuzz\.json \(PULSE_CONFIG\): /,
      );
    }
  }
});
