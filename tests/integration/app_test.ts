import assert from "node:assert/strict";
import { parseConfig } from "@/lib/config.ts";
import { makeTestApp } from "../_helpers/app.ts";

Deno.test("GET /api/snapshot: 304 for a matching tag, also weak or in a list; 200 once seq moves", async () => {
  using t = makeTestApp();
  const first = await t.request("/api/snapshot?topic=pnl");
  const etag = first.headers.get("etag")!;
  assert.equal(etag, '"app-epoch:1"');
  await first.body?.cancel();
  for (const header of [etag, `W/${etag}`, `"x:1", ${etag}`, "*"]) {
    const res = await t.request("/api/snapshot?topic=pnl", {
      headers: { "if-none-match": header },
    });
    assert.equal(res.status, 304, header);
  }
  t.hub.publish("pnl", { ...t.hub.state("pnl"), stale: true });
  await t.clock.advance(100);
  const moved = await t.request("/api/snapshot", {
    headers: { "if-none-match": etag },
  });
  assert.equal(moved.status, 200);
  assert.equal(moved.headers.get("etag"), '"app-epoch:2"');
  await moved.body?.cancel();
});

Deno.test("GET /api/snapshot: a malformed topic is a 400 naming the parameter", async () => {
  using t = makeTestApp();
  const res = await t.request("/api/snapshot?topic=%3Cscript%3E");
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, "bad_request");
  assert.match(body.error.message, /^topic must be/);
});

Deno.test("GET /api/ws: bad query parameters are refused with 400/404 before any upgrade", async () => {
  using t = makeTestApp();
  const upgrade = { headers: { upgrade: "websocket", connection: "Upgrade" } };
  const cases: [string, number, RegExp][] = [
    [
      "/api/ws?topic=pnl&since=-1",
      400,
      /^since must be a non-negative integer/,
    ],
    ["/api/ws?topic=pnl&since=abc", 400, /^since/],
    ["/api/ws?topic=pnl&epoch=%21%21", 400, /^epoch must be/],
    ["/api/ws?since=3", 400, /need a topic/],
    ["/api/ws?topic=nope", 404, /unknown topic "nope"/],
  ];
  for (const [path, status, message] of cases) {
    const res = await t.request(path, upgrade);
    assert.equal(res.status, status, path);
    assert.match((await res.json()).error.message, message);
  }
  const plain = await t.request("/api/ws");
  assert.equal(plain.status, 400);
  assert.match((await plain.json()).error.message, /WebSocket only/);
});

Deno.test("unknown paths are a JSON 404", async () => {
  using t = makeTestApp();
  const res = await t.request("/api/nothing-here");
  assert.equal(res.status, 404);
  assert.match(
    (await res.json()).error.message,
    /no route for GET \/api\/nothing-here/,
  );
});

Deno.test("GET /static/*: right content types, no traversal, no listings, no hidden files", async () => {
  using t = makeTestApp();
  const css = await t.request("/static/styles.css");
  assert.equal(css.status, 200);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(css.headers.get("x-content-type-options"), "nosniff");
  await css.body?.cancel();
  for (
    const path of [
      "/static/../deno.json",
      "/static/%2e%2e/deno.json",
      "/static/..%2fdeno.json",
      "/static/",
      "/static/_islands",
      "/static/.hidden.css",
      "/static/nope.css",
      "/static/styles.css/",
    ]
  ) {
    const res = await t.request(path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("GET / renders the figures and the island props, escaped inside their script", async () => {
  using t = makeTestApp();
  t.hub.publish("pnl", {
    ...t.hub.state("pnl"),
    sources: {
      "evil": {
        kind: "</script><script>alert(1)</script>",
        role: "revenue",
        status: "error",
        origin: "live",
        error: "<!-- oops",
      },
    },
  });
  await t.clock.advance(100);
  const res = await t.request("/");
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /data-testid="net"[^>]*>\$0\.00</);
  assert.match(html, /src="\/static\/_islands\/islands-test\.js"/);
  assert.ok(!html.includes("<script>alert(1)"), "no injected script element");
  assert.ok(!html.includes("<!-- oops"), "no comment opened by data");
  const props =
    /<script type="application\/json" id="island-props-0">(.*?)<\/script>/s
      .exec(html)?.[1];
  assert.equal(
    JSON.parse(props!).data.sources.evil.kind,
    "</script><script>alert(1)</script>",
  );
});

Deno.test("GET /api/history: bad parameters are 400s naming the parameter, unknown topics 404", async () => {
  using t = makeTestApp();
  const cases: [string, number, RegExp][] = [
    ["/api/history?from=yesterday", 400, /^from must be an ISO-8601 time/],
    ["/api/history?to=2026-13-01T00:00:00Z", 400, /^to must be/],
    ["/api/history?from=2026-11-28T13:00:00", 400, /^from must be/],
    ["/api/history?limit=0", 400, /^limit must be an integer from 1 to 5000/],
    ["/api/history?limit=99999", 400, /^limit/],
    ["/api/history?limit=abc", 400, /^limit/],
    [
      "/api/history?from=2026-11-28T14:00:00Z&to=2026-11-28T13:00:00Z",
      400,
      /from must not be after to/,
    ],
    ["/api/history?topic=nope", 404, /no history for topic "nope"/],
  ];
  for (const [path, status, message] of cases) {
    const res = await t.request(path);
    assert.equal(res.status, status, path);
    assert.match((await res.json()).error.message, message, path);
  }
});

Deno.test("security headers: a strict CSP without inline scripts on pages, nosniff and no referrer everywhere", async () => {
  using t = makeTestApp();
  const page = await t.request("/");
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.ok(!csp.includes("unsafe-inline"));
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  await page.body?.cancel();
  const api = await t.request("/api/snapshot");
  assert.equal(api.headers.get("referrer-policy"), "same-origin");
  assert.equal(api.headers.get("content-security-policy"), null);
  await api.body?.cancel();
});

Deno.test("origins: a cross-site WebSocket upgrade is refused with 403, and CORS answers only listed origins", async () => {
  using t = makeTestApp();
  const upgrade = (origin: string) => ({
    headers: { upgrade: "websocket", connection: "Upgrade", origin },
  });
  const hijack = await t.request(
    "/api/ws?topic=pnl",
    upgrade("https://evil.example"),
  );
  assert.equal(hijack.status, 403);
  assert.equal((await hijack.json()).error.code, "forbidden");

  const preflight = await t.request("/api/snapshot", {
    method: "OPTIONS",
    headers: {
      origin: "https://evil.example",
      "access-control-request-method": "GET",
    },
  });
  assert.equal(preflight.status, 403);
  await preflight.body?.cancel();

  const plain = await t.request("/api/snapshot", {
    headers: { origin: "https://evil.example" },
  });
  assert.equal(
    plain.headers.get("access-control-allow-origin"),
    null,
    "no CORS grant for an unlisted origin",
  );
  await plain.body?.cancel();
});

Deno.test("origins: a listed origin gets its CORS grant and may upgrade", async () => {
  using t = makeTestApp({
    config: parseConfig({ PULSE_ALLOWED_ORIGINS: "https://ops.example.com" }),
  });
  const preflight = await t.request("/api/snapshot", {
    method: "OPTIONS",
    headers: {
      origin: "https://ops.example.com",
      "access-control-request-method": "GET",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(
    preflight.headers.get("access-control-allow-origin"),
    "https://ops.example.com",
  );
  const get = await t.request("/api/snapshot", {
    headers: { origin: "https://ops.example.com" },
  });
  assert.equal(
    get.headers.get("access-control-allow-origin"),
    "https://ops.example.com",
  );
  assert.match(get.headers.get("vary") ?? "", /Origin/);
  await get.body?.cancel();
});

Deno.test("limits: a body over the limit is 413, parked long-polls past the per-client limit are 429 with Retry-After", async () => {
  const { parseConfig } = await import("@/lib/config.ts");
  using t = makeTestApp({
    config: parseConfig({
      PULSE_MAX_PARKED_POLLS_PER_IP: "1",
      PULSE_MAX_BODY_BYTES: "1024",
    }),
  });
  const big = await t.request("/login", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "content-length": "5000",
    },
    body: "token=" + "x".repeat(4994),
  });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, "too_large");
  const { epoch, seq } = t.hub.position("pnl");
  const parked = t.request(`/api/poll?since=${seq}&epoch=${epoch}&timeout=10`);
  const second = await t.request(
    `/api/poll?since=${seq}&epoch=${epoch}&timeout=10`,
  );
  assert.equal(second.status, 429);
  assert.equal(second.headers.get("retry-after"), "5");
  assert.equal((await second.json()).error.code, "rate_limited");
  await t.clock.advance(10_000);
  assert.equal((await parked).status, 200);
  const third = await t.request(
    `/api/poll?since=${seq}&epoch=${epoch}&timeout=0`,
  );
  assert.equal(third.status, 200, "the slot was released");
  await third.body?.cancel();
});

Deno.test("every response carries a request id, keeping a well-formed incoming one", async () => {
  using t = makeTestApp();
  const fresh = await t.request("/api/snapshot");
  assert.match(fresh.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  await fresh.body?.cancel();
  const kept = await t.request("/api/snapshot", {
    headers: { "x-request-id": "lb-1234" },
  });
  assert.equal(kept.headers.get("x-request-id"), "lb-1234");
  await kept.body?.cancel();
  const refused = await t.request("/api/snapshot", {
    headers: { "x-request-id": "bad id\u0001" },
  });
  assert.notEqual(refused.headers.get("x-request-id"), "bad id\u0001");
  await refused.body?.cancel();
});

Deno.test("GET /api/history: a range past now or the keep window is cut to them, and each address gets a few queries a second", async () => {
  const { SqliteStore, openHistoryReader } = await import("@/lib/store/mod.ts");
  using store = SqliteStore.open(":memory:");
  const reader = await openHistoryReader(":memory:", store.history);
  using t = makeTestApp({
    config: parseConfig({ PULSE_HISTORY_PER_SECOND: "2" }),
    history: reader,
  });
  const now = t.clock.now();
  store.history.record("pnl", {
    at: now - 1_000,
    netMinor: 5,
    revenueMinor: 5,
    expensesMinor: 0,
    tradingMinor: 0,
  });
  const absurd = await t.request(
    "/api/history?topic=pnl&from=1970-01-01T00:00:00Z&to=9999-12-31T00:00:00Z",
  );
  assert.equal(absurd.status, 200);
  const body = await absurd.json();
  assert.equal(body.to, new Date(now).toISOString(), "cut to now");
  assert.equal(
    body.from,
    new Date(now - 90 * 86_400_000).toISOString(),
    "cut to the keep window",
  );
  assert.equal(body.points.length, 1);
  // The burst is twice the rate: 4 answered, then 429 until a token returns.
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await t.request("/api/history?topic=pnl");
    statuses.push(res.status);
    await res.body?.cancel();
  }
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const throttled = await t.request("/api/history?topic=pnl");
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get("retry-after"), "1");
  assert.equal((await throttled.json()).error.code, "rate_limited");
  await t.clock.advance(500);
  const again = await t.request("/api/history?topic=pnl");
  assert.equal(again.status, 200);
  await again.body?.cancel();
});

Deno.test("GET /api/history?source=ID: one source's amount over time with the value the range starts with; an unknown source is a 404 naming the board's sources", async () => {
  const { SqliteStore, openHistoryReader } = await import("@/lib/store/mod.ts");
  const { PnlRecorder, buildPnlState } = await import("@/lib/aggregate/mod.ts");
  using store = SqliteStore.open(":memory:");
  const reader = await openHistoryReader(":memory:", store.history);
  using t = makeTestApp({ history: reader });
  using recorder = new PnlRecorder(store, { clock: t.clock });
  const state = (amountMinor: number) =>
    buildPnlState({
      shop: {
        kind: "stripe",
        role: "revenue",
        status: "ok",
        origin: "live",
        reading: {
          source: "shop",
          role: "revenue",
          amountMinor,
          currency: "USD",
          asOf: new Date(t.clock.now()).toISOString(),
        },
      },
    }, "USD");
  const start = t.clock.now();
  for (const amount of [1_000, 1_500, 1_250]) {
    t.hub.publish("pnl", state(amount));
    recorder.record(state(amount), 1, "e");
    await t.clock.advance(10 * 60_000);
  }
  const from = new Date(start + 15 * 60_000).toISOString();
  const res = await t.request(`/api/history?source=shop&from=${from}`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.source, "shop");
  assert.deepEqual(body.previous, {
    at: new Date(start + 10 * 60_000).toISOString(),
    amountMinor: 1_500,
  });
  assert.deepEqual(body.points, [{
    at: new Date(start + 20 * 60_000).toISOString(),
    amountMinor: 1_250,
  }]);
  const unknown = await t.request("/api/history?source=nope");
  assert.equal(unknown.status, 404);
  assert.match(
    (await unknown.json()).error.message,
    /no source "nope" on this board; its sources are shop/,
  );
});

Deno.test("GET /api/history?period=mtd: the month's totals from the month's start, a point a minute, with the closed period's final figures kept at its boundary", async () => {
  const { SqliteStore, openHistoryReader } = await import("@/lib/store/mod.ts");
  const { PnlRecorder, buildPnlState } = await import("@/lib/aggregate/mod.ts");
  const { ReportingCalendar, PERIOD_NAMES } = await import("@/lib/time/mod.ts");
  using store = SqliteStore.open(":memory:");
  const reader = await openHistoryReader(":memory:", store.history);
  // 23:58 UTC on 30 November.
  using t = makeTestApp({
    history: reader,
    start: Date.parse("2026-11-30T23:58:00Z"),
  });
  using recorder = new PnlRecorder(store, { clock: t.clock });
  const calendar = new ReportingCalendar();
  const state = (amountMinor: number) => {
    const at = t.clock.now();
    const periods = Object.fromEntries(PERIOD_NAMES.map((p) => {
      const w = calendar.period(p, at);
      // Everything moved this month; none of it on a new month's first instant.
      return [p, {
        amountMinor: w.from === at ? 0 : amountMinor,
        previousMinor: 0,
      }];
    }));
    return buildPnlState(
      {
        shop: {
          kind: "test",
          role: "revenue",
          status: "ok",
          origin: "live",
          reading: {
            source: "shop",
            role: "revenue",
            amountMinor,
            currency: "USD",
            asOf: new Date(at).toISOString(),
            periods: periods as never,
            periodsAt: new Date(at).toISOString(),
          },
        },
      },
      "USD",
      { calendar, at },
    );
  };
  for (const amount of [1_000, 1_500]) {
    const s = state(amount);
    t.hub.publish("pnl", s);
    recorder.record(s, 1, "e");
    await t.clock.advance(60_000);
  }
  // Midnight: December begins.
  const december = state(0);
  t.hub.publish("pnl", december);
  recorder.record(december, 3, "e");
  await t.clock.advance(500); // the hub's batch window
  const res = await t.request("/api/history?period=mtd");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.period, "mtd");
  assert.equal(body.from, "2026-12-01T00:00:00.000Z", "from the month's start");
  assert.deepEqual(body.points.map((p: { netMinor: number }) => p.netMinor), [
    0,
  ]);
  // November's final figure, kept just before the boundary.
  assert.deepEqual(body.previous, {
    at: "2026-11-30T23:59:59.999Z",
    netMinor: 1_500,
    revenueMinor: 1_500,
    expensesMinor: 0,
    tradingMinor: 0,
  });
  const bad = await t.request("/api/history?period=month");
  assert.equal(bad.status, 400);
  assert.match(
    (await bad.json()).error.message,
    /period must be one of today, wtd, mtd, qtd, ytd, received "month"/,
  );
});

Deno.test("plain requests in progress are capped per client address (429), and the slot returns when one is answered", async () => {
  using t = makeTestApp({
    config: parseConfig({ PULSE_MAX_REQUESTS_PER_IP: "2" }),
  });
  // Two sign-ins whose bodies are still arriving hold both slots.
  const slow = Array.from({ length: 2 }, () => {
    const body = new TransformStream<Uint8Array, Uint8Array>();
    const writer = body.writable.getWriter();
    void writer.write(new TextEncoder().encode("token=abc"));
    const answer = t.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: body.readable,
      // @ts-ignore: a streamed request body needs half duplex
      duplex: "half",
    });
    return { writer, answer };
  });
  await new Promise((r) => setTimeout(r, 10));
  const third = await t.request("/api/snapshot?topic=pnl");
  assert.equal(third.status, 429);
  assert.equal(third.headers.get("retry-after"), "1");
  await third.body?.cancel();
  for (const { writer, answer } of slow) {
    await writer.close();
    await (await answer).body?.cancel();
  }
  const after = await t.request("/api/snapshot?topic=pnl");
  assert.equal(after.status, 200);
  await after.body?.cancel();
});

Deno.test("GET /static/*: the bundle goes out as its brotli or gzip twin, other text gzipped, per Accept-Encoding", async () => {
  const { brotliDecompressSync, gunzipSync } = await import("node:zlib");
  const { ROOT } = await import("../_helpers/server_process.ts");
  const manifest = JSON.parse(
    await Deno.readTextFile(`${ROOT}static/_islands/manifest.json`),
  );
  const path = `/static/_islands/${manifest.entry}`;
  const raw = await Deno.readFile(`${ROOT}static/_islands/${manifest.entry}`);
  using t = makeTestApp();
  const get = async (p: string, encoding?: string) => {
    const res = await t.request(p, {
      headers: encoding === undefined ? {} : { "accept-encoding": encoding },
    });
    return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const br = await get(path, "gzip, deflate, br");
  assert.equal(br.res.headers.get("content-encoding"), "br");
  assert.equal(br.res.headers.get("vary"), "Accept-Encoding");
  assert.match(br.res.headers.get("cache-control") ?? "", /immutable/);
  assert.deepEqual(new Uint8Array(brotliDecompressSync(br.bytes)), raw);
  assert.ok(br.bytes.length < raw.length / 2, "compressed on the wire");
  const gz = await get(path, "gzip");
  assert.equal(gz.res.headers.get("content-encoding"), "gzip");
  assert.deepEqual(new Uint8Array(gunzipSync(gz.bytes)), raw);
  const refused = await get(path, "br;q=0, identity");
  assert.equal(refused.res.headers.get("content-encoding"), null);
  assert.deepEqual(refused.bytes, raw);
  const plain = await get(path);
  assert.equal(plain.res.headers.get("content-encoding"), null);
  assert.equal(plain.res.headers.get("content-length"), String(raw.length));
  const css = await get("/static/styles.css", "gzip");
  assert.equal(css.res.headers.get("content-encoding"), "gzip");
  assert.deepEqual(
    new Uint8Array(gunzipSync(css.bytes)),
    await Deno.readFile(`${ROOT}static/styles.css`),
  );
});

Deno.test("the page's script is under 40 KB compressed; the chart library is its own chunk, loaded after first paint and cached for good", async () => {
  const { ROOT } = await import("../_helpers/server_process.ts");
  const manifest = JSON.parse(
    await Deno.readTextFile(`${ROOT}static/_islands/manifest.json`),
  );
  const entry = await Deno.stat(`${ROOT}static/_islands/${manifest.entry}.br`);
  assert.ok(entry.size < 40 * 1024, `entry ${entry.size} bytes brotli`);
  const chart = (manifest.chunks as string[]).find((c) =>
    c.startsWith("uPlot")
  );
  assert.ok(chart, "uPlot is a chunk of its own");
  const text = await Deno.readTextFile(
    `${ROOT}static/_islands/${manifest.entry}`,
  );
  assert.ok(text.includes(`import("./${chart}")`), "loaded on demand");
  using t = makeTestApp();
  const res = await t.request(`/static/_islands/${chart}`, {
    headers: { "accept-encoding": "br" },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-encoding"), "br");
  assert.match(res.headers.get("cache-control") ?? "", /immutable/);
  await res.body?.cancel();
});

Deno.test("gateway: a long-poll answer, a route's answer, a route's error and a credential refusal all carry the request id, security headers and a listed origin's CORS grant", async () => {
  using t = makeTestApp({
    config: parseConfig({
      PULSE_ALLOWED_ORIGINS: "https://ops.example.com",
      PULSE_TOKENS: "t0k3n-for-the-gateway-test-0123456789",
    }),
  });
  const { epoch, seq } = t.hub.position("pnl");
  const headers = {
    origin: "https://ops.example.com",
    authorization: "Bearer t0k3n-for-the-gateway-test-0123456789",
    "x-request-id": "gw-1",
  };
  const answers = {
    poll: await t.request(`/api/poll?since=${seq - 1}&epoch=${epoch}`, {
      headers,
    }),
    snapshot: await t.request("/api/snapshot", { headers }),
    routeError: await t.request("/api/snapshot?topic=nope", { headers }),
    refused: await t.request("/api/snapshot", {
      headers: { ...headers, authorization: "Bearer wrong" },
    }),
  };
  assert.equal(answers.poll.status, 200);
  assert.equal(answers.routeError.status, 404);
  assert.equal(answers.refused.status, 401);
  for (const [name, res] of Object.entries(answers)) {
    assert.equal(res.headers.get("x-request-id"), "gw-1", name);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", name);
    assert.equal(res.headers.get("referrer-policy"), "same-origin", name);
    assert.equal(
      res.headers.get("access-control-allow-origin"),
      "https://ops.example.com",
      name,
    );
    assert.equal(res.headers.get("vary"), "Origin", name);
    assert.equal(res.headers.get("content-security-policy"), null, name);
    await res.body?.cancel();
  }
  assert.equal(answers.poll.headers.get("cache-control"), "no-store");
  // Refused at the door (a Host not served): no route ran, no headers.
  const door = await t.request("/api/snapshot", {
    headers: { ...headers, host: "evil.example" },
  });
  assert.equal(door.status, 421);
  assert.equal(door.headers.get("x-request-id"), null);
  await door.body?.cancel();
});

Deno.test("GET /api/history: at most four queries run at once, all clients together; the fifth is answered 503 with Retry-After at once, and the next after one ends is taken", async () => {
  const { MAX_CONCURRENT_HISTORY } = await import("@/routes/api/history.ts");
  const gates: PromiseWithResolvers<void>[] = [];
  using t = makeTestApp({
    config: parseConfig({ PULSE_HISTORY_PER_SECOND: "1000" }),
    history: {
      async query() {
        const gate = Promise.withResolvers<void>();
        gates.push(gate);
        await gate.promise;
        return { points: [], downsampled: false };
      },
      close() {},
    },
  });
  const running = Array.from(
    { length: MAX_CONCURRENT_HISTORY },
    () => t.request("/api/history?topic=pnl"),
  );
  while (gates.length < MAX_CONCURRENT_HISTORY) {
    await new Promise((r) => setTimeout(r, 1));
  }
  // Answered at once, not queued behind the four.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refused = await Promise.race([
    t.request("/api/history?topic=pnl"),
    new Promise<never>((_, fail) => {
      timer = setTimeout(
        () => fail(new Error("the fifth query waited")),
        2_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "1");
  assert.match(
    (await refused.json()).error.message,
    /at most 4 run at once, retry in 1 s/,
  );
  gates.shift()!.resolve();
  assert.equal((await running.shift()!).status, 200);
  const next = t.request("/api/history?topic=pnl");
  while (gates.length < MAX_CONCURRENT_HISTORY) {
    await new Promise((r) => setTimeout(r, 1));
  }
  for (const gate of gates) gate.resolve();
  for (const res of [...running, next]) {
    const answered = await res;
    assert.equal(answered.status, 200);
    await answered.body?.cancel();
  }
});
