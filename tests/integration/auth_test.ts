import assert from "node:assert/strict";
import { StreamClient } from "@/lib/client/mod.ts";
import { parseConfig } from "@/lib/config.ts";
import { makeTestApp } from "../_helpers/app.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const TOKEN = "tok_0123456789abcdef";
const withAuth = () =>
  makeTestApp({
    config: parseConfig({ PULSE_TOKENS: `${TOKEN},tok_second_token_xyz` }),
  });
const bearer = (token: string) => ({
  headers: { authorization: `Bearer ${token}` },
});
const PROTECTED = [
  "/api/snapshot",
  "/api/poll?timeout=0",
  "/api/sse",
  "/api/history",
  "/metrics",
];

Deno.test("auth: every protected route refuses a missing, wrong or tampered credential with a 401 JSON error", async () => {
  using t = withAuth();
  for (const path of PROTECTED) {
    for (
      const init of [
        {},
        bearer("tok_wrong_wrong_wrong"),
        { headers: { cookie: "pulse_session=abc.def" } },
      ]
    ) {
      const res = await t.request(path, init);
      assert.equal(res.status, 401, `${path} ${JSON.stringify(init)}`);
      assert.equal(
        res.headers.get("www-authenticate"),
        'Bearer realm="pulseboard"',
      );
      assert.equal((await res.json()).error.code, "unauthorized");
    }
  }
  const health = await t.request("/api/health");
  assert.equal(health.status, 200, "health stays open");
  assert.deepEqual(
    await health.json(),
    { status: "ok" },
    "but strangers see only the verdict",
  );
  const full = await t.request("/api/health", bearer(TOKEN));
  assert.ok("sources" in await full.json());
  const page = await t.request("/");
  assert.equal(page.status, 303);
  assert.equal(page.headers.get("location"), "/login");
});

Deno.test("auth: any configured token works as a Bearer credential", async () => {
  using t = withAuth();
  for (const token of [TOKEN, "tok_second_token_xyz"]) {
    const res = await t.request("/api/snapshot", bearer(token));
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
});

Deno.test("auth: tickets from POST /api/ticket open stream routes until they expire, and cannot be tampered with", async () => {
  using t = withAuth();
  const refused = await t.request("/api/ticket", { method: "POST" });
  assert.equal(refused.status, 401);
  await refused.body?.cancel();
  const { ticket } =
    await (await t.request("/api/ticket", { method: "POST", ...bearer(TOKEN) }))
      .json();
  const ok = await t.request(`/api/poll?timeout=0&ticket=${ticket}`);
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  const notForSnapshot = await t.request(`/api/snapshot?ticket=${ticket}`);
  assert.equal(notForSnapshot.status, 401, "tickets are for connections only");
  await notForSnapshot.body?.cancel();
  const tampered = ticket.slice(0, -2) + (ticket.endsWith("A") ? "BB" : "AA");
  const bad = await t.request(`/api/poll?timeout=0&ticket=${tampered}`);
  assert.equal(bad.status, 401);
  await bad.body?.cancel();
  await t.clock.advance(60_001);
  const expired = await t.request(`/api/poll?timeout=0&ticket=${ticket}`);
  assert.equal(expired.status, 401, "no replay past expiry");
  await expired.body?.cancel();
});

Deno.test("auth: /login sets an HttpOnly SameSite=Strict session cookie that opens the page and the API", async () => {
  using t = withAuth();
  const wrong = await t.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "token=nope",
  });
  assert.equal(wrong.status, 401);
  assert.match(await wrong.text(), /That token is not valid/);
  const ok = await t.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `token=${TOKEN}`,
  });
  assert.equal(ok.status, 303);
  const setCookie = ok.headers.get("set-cookie")!;
  assert.match(
    setCookie,
    /^pulse_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
  );
  const cookie = setCookie.split(";")[0]!;
  const page = await t.request("/", { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /"authRequired":true/);
  const api = await t.request("/api/snapshot", { headers: { cookie } });
  assert.equal(api.status, 200);
  await api.body?.cancel();
  await t.clock.advance(12 * 3_600_000 + 1);
  const expired = await t.request("/api/snapshot", { headers: { cookie } });
  assert.equal(expired.status, 401, "sessions expire");
  await expired.body?.cancel();
});

Deno.test("auth: a StreamClient with a ticket source connects over WebSocket to a server with PULSE_TOKENS", async () => {
  await using server = await startServerProcess({
    env: {
      PULSE_TOKENS: TOKEN,
      PULSE_SIM_INTERVAL_MS: "100",
      PULSE_BATCH_MS: "10",
    },
  });
  assert.ok(server.lines.some((l) => l.includes('"auth":"on: 1 API token(s)')));
  const refused = await fetch(new URL("/api/snapshot", server.url));
  assert.equal(refused.status, 401);
  await refused.body?.cancel();
  using client = new StreamClient({
    baseUrl: server.url,
    getTicket: async () => {
      const res = await fetch(new URL("/api/ticket", server.url), {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return (await res.json()).ticket;
    },
  });
  client.start();
  const deadline = Date.now() + 10_000;
  while (
    !(client.state.status === "live" && client.state.transport === "ws" &&
      client.state.view!.seq > 3)
  ) {
    if (Date.now() > deadline) {
      throw new Error(`not live: ${client.state.status}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
});

Deno.test("auth: a WebSocket opened with a session ticket is closed with 4001 when the session expires", async () => {
  await using server = await startExpiringServer(200);
  const ticket = await sessionTicket(server.url);
  const ws = new WebSocket(
    `${server.url.replace("http", "ws")}api/ws?topic=pnl&ticket=${ticket}`,
  );
  const messages: { type: string; code?: string }[] = [];
  ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
  const closed = await new Promise<CloseEvent>((r) => ws.onclose = r);
  assert.equal(closed.code, 4001);
  assert.equal(messages[0]?.type, "snapshot");
  assert.equal(messages.at(-1)?.code, "unauthorized");
});

/** A server with auth on whose sessions last 1.5 s. */
function startExpiringServer(simIntervalMs: number) {
  return startServerProcess({
    env: {
      PULSE_TOKENS: TOKEN,
      PULSE_SESSION_TTL_MS: "1500",
      PULSE_SIM_INTERVAL_MS: String(simIntervalMs),
    },
  });
}

/** Signs in with the token and returns a ticket made from that session. */
async function sessionTicket(url: string): Promise<string> {
  const login = await fetch(new URL("/login", url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `token=${TOKEN}`,
    redirect: "manual",
  });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  await login.body?.cancel();
  const { ticket } = await (await fetch(new URL("/api/ticket", url), {
    method: "POST",
    headers: { cookie },
  })).json();
  return ticket;
}

Deno.test("auth: an SSE stream opened with a session ticket ends with an unauthorized error event when the session expires", async () => {
  await using server = await startExpiringServer(200);
  const ticket = await sessionTicket(server.url);
  const started = Date.now();
  // Fails (aborts) instead of waiting forever if the stream never ends.
  const response = await fetch(
    new URL(`/api/sse?topic=pnl&ticket=${ticket}`, server.url),
    { signal: AbortSignal.timeout(8_000) },
  );
  assert.equal(response.status, 200);
  // The body ends by itself: the server closed the stream.
  const text = await response.text();
  const events = text.split("\n").filter((l) => l.startsWith("data: ")).map(
    (l) => JSON.parse(l.slice(6)),
  );
  assert.equal(events[0]?.type, "snapshot");
  assert.equal(events.at(-1)?.type, "error");
  assert.equal(events.at(-1)?.code, "unauthorized");
  assert.match(events.at(-1)?.message, /credential expired/);
  assert.ok(Date.now() - started < 5_000, "ended at the session's end");
});

Deno.test("auth: a long-poll parked with a session ticket is answered 401 unauthorized when the session expires", async () => {
  // Nothing changes while the poll is parked.
  await using server = await startExpiringServer(600000);
  const ticket = await sessionTicket(server.url);
  // Catch up until the board is quiet (the first read publishes once).
  let cursor = { epoch: "", seq: 0 };
  for (let quiet = false; !quiet;) {
    const query = cursor.epoch
      ? `&since=${cursor.seq}&epoch=${cursor.epoch}&timeout=0.3`
      : "&timeout=0";
    const answer = await (await fetch(
      new URL(`/api/poll?topic=pnl${query}&ticket=${ticket}`, server.url),
    )).json();
    quiet = cursor.epoch !== "" && answer.messages.length === 0;
    cursor = answer.cursor;
  }
  const { epoch, seq } = cursor;
  const started = Date.now();
  const parked = await fetch(
    new URL(
      `/api/poll?topic=pnl&since=${seq}&epoch=${epoch}&timeout=30&ticket=${ticket}`,
      server.url,
    ),
    { signal: AbortSignal.timeout(8_000) },
  );
  assert.equal(parked.status, 401);
  const body = await parked.json();
  assert.equal(body.error.code, "unauthorized");
  assert.match(body.error.message, /credential expired/);
  assert.ok(Date.now() - started < 5_000, "answered at the session's end");
});

Deno.test("auth: an expired ticket costs the client nothing: it fetches a fresh one and resumes from its last seq without a snapshot", async () => {
  const { startProxy } = await import("../_helpers/proxy.ts");
  await using server = await startServerProcess({
    env: {
      PULSE_TOKENS: TOKEN,
      PULSE_TICKET_TTL_MS: "300",
      PULSE_SIM_INTERVAL_MS: "100",
      PULSE_BATCH_MS: "10",
    },
  });
  await using proxy = await startProxy(server.url);
  let tickets = 0;
  using client = new StreamClient({
    baseUrl: proxy.url,
    backoff: { minMs: 20, maxMs: 50 },
    getTicket: async () => {
      tickets++;
      const res = await fetch(new URL("/api/ticket", server.url), {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return (await res.json()).ticket;
    },
  });
  client.start();
  const waitFor = async (ok: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!ok()) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out: ${
            JSON.stringify({ ...client.state, view: client.state.view?.seq })
          }`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor(() =>
    client.state.status === "live" && client.state.view!.seq > 3
  );
  await new Promise((r) => setTimeout(r, 500)); // the first ticket has expired by now
  const seq = client.state.view!.seq;
  proxy.dropConnections();
  await waitFor(() =>
    client.state.reconnects >= 1 && client.state.status === "live" &&
    client.state.view!.seq > seq + 2
  );
  assert.ok(tickets >= 2, "a fresh ticket for the new connection");
  assert.equal(client.state.resyncs, 0, "resumed from history, no snapshot");
  assert.equal(client.state.transport, "ws");
});

Deno.test("auth: too many wrong tokens from one address lock it out with 429 and Retry-After, valid token or not, until the window ends; /login counts too", async () => {
  using t = makeTestApp({
    config: parseConfig({
      PULSE_TOKENS: TOKEN,
      PULSE_MAX_AUTH_FAILURES_PER_IP: "3",
      PULSE_AUTH_FAILURE_WINDOW_MS: "60000",
    }),
  });
  const login = (token: string) =>
    t.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${token}`,
    });
  const first = await t.request("/api/snapshot", bearer("tok_guess_1"));
  assert.equal(first.status, 401);
  await first.body?.cancel();
  assert.equal((await login("tok_guess_2")).status, 401);
  const cookieOnly = await t.request("/api/snapshot", {
    headers: { cookie: "pulse_session=forged.value" },
  });
  assert.equal(cookieOnly.status, 401, "a bad cookie is refused...");
  await cookieOnly.body?.cancel();
  const third = await t.request("/api/ticket", {
    method: "POST",
    ...bearer("tok_guess_3"),
  });
  assert.equal(third.status, 401, "...but only tokens count: this is the 3rd");
  await third.body?.cancel();

  await t.clock.advance(20_000);
  const locked = await t.request("/api/snapshot", bearer(TOKEN));
  assert.equal(locked.status, 429, "not even a valid token is checked now");
  assert.equal(locked.headers.get("retry-after"), "40");
  const body = await locked.json();
  assert.equal(body.error.code, "rate_limited");
  assert.match(body.error.message, /try again in 40 s/);
  const lockedLogin = await login(TOKEN);
  assert.equal(lockedLogin.status, 429);
  assert.equal(lockedLogin.headers.get("retry-after"), "40");
  assert.match(await lockedLogin.text(), /Too many failed tokens/);

  await t.clock.advance(40_000);
  const again = await t.request("/api/snapshot", bearer(TOKEN));
  assert.equal(again.status, 200, "the window ended");
  await again.body?.cancel();
  assert.equal((await login(TOKEN)).status, 303);
});

Deno.test("auth: refused tokens are counted in pulse_auth_failures_total, and a locked-out address keeps its signed session", async () => {
  const server = await startServerProcess({
    env: { PULSE_TOKENS: TOKEN, PULSE_MAX_AUTH_FAILURES_PER_IP: "2" },
  });
  try {
    const login = await fetch(new URL("/login", server.url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${TOKEN}`,
      redirect: "manual",
    });
    assert.equal(login.status, 303);
    await login.body?.cancel();
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(
        new URL("/api/snapshot", server.url),
        bearer(`tok_guess_${i}`),
      );
      assert.equal(res.status, i < 2 ? 401 : 429);
      await res.body?.cancel();
    }
    // Only tokens can be guessed: a signed session still opens the API.
    const scrape = await fetch(new URL("/metrics", server.url), {
      headers: { cookie },
    });
    assert.equal(scrape.status, 200);
    const text = await scrape.text();
    assert.match(text, /pulse_auth_failures_total\{outcome="bad_token"\} 2\n/);
    assert.match(text, /pulse_auth_failures_total\{outcome="locked_out"\} 1\n/);
  } finally {
    await server.stop();
  }
});

Deno.test("auth: concurrent wrong tokens are counted one by one, on every route that reads a credential (no guessing oracle)", async () => {
  using t = makeTestApp({
    config: parseConfig({
      PULSE_TOKENS: TOKEN,
      PULSE_MAX_AUTH_FAILURES_PER_IP: "5",
      PULSE_AUTH_FAILURE_WINDOW_MS: "60000",
    }),
  });
  // 300 guesses at once: only the first 5 are checked; the rest wait.
  const answers = await Promise.all(
    Array.from(
      { length: 300 },
      (_, i) => t.request("/api/snapshot", bearer(`tok_guess_${i}_xxxxxxxx`)),
    ),
  );
  const statuses = answers.map((r) => r.status);
  await Promise.all(answers.map((r) => r.body?.cancel()));
  assert.equal(statuses.filter((s) => s === 401).length, 5);
  assert.equal(statuses.filter((s) => s === 429).length, 295);

  // The pages and health read Bearer tokens too: they count and lock out.
  using u = makeTestApp({
    config: parseConfig({
      PULSE_TOKENS: TOKEN,
      PULSE_MAX_AUTH_FAILURES_PER_IP: "3",
    }),
  });
  for (const path of ["/api/health", "/", "/admin"]) {
    const res = await u.request(path, bearer("tok_guess_page_xxxxxxx"));
    await res.body?.cancel();
    assert.notEqual(res.status, 429, path);
  }
  for (const path of ["/api/health", "/", "/admin"]) {
    const res = await u.request(path, bearer(TOKEN));
    await res.body?.cancel();
    assert.equal(res.status, 429, `${path}: locked out, a valid token too`);
  }
});

/** Signs in through the form; returns the session cookie. */
async function formLogin(
  t: ReturnType<typeof makeTestApp>,
  token: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return await t.request("/login", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body: `token=${token}`,
    redirect: "manual",
  });
}

const cookieOf = (res: Response) =>
  res.headers.get("set-cookie")?.split(";")[0] ?? "";

Deno.test("auth: removing a token from PULSE_TOKENS ends the sessions and tickets it minted; the others go on", async () => {
  const OTHER = "tok_other_0123456789";
  const secret = "s".repeat(32);
  const app = (tokens: string) =>
    makeTestApp({
      config: parseConfig({
        PULSE_TOKENS: tokens,
        PULSE_SESSION_SECRET: secret,
      }),
    });
  using before = app(`${TOKEN},${OTHER}`);
  const fromToken = cookieOf(await formLogin(before, TOKEN));
  const fromOther = cookieOf(await formLogin(before, OTHER));
  const ticket = (await (await before.request("/api/ticket", {
    method: "POST",
    headers: { cookie: fromToken },
  })).json()).ticket;
  // The operator removes TOKEN and restarts with the same secret.
  using after = app(OTHER);
  const snapshot = (init: RequestInit) => after.request("/api/snapshot", init);
  const revoked = await snapshot({ headers: { cookie: fromToken } });
  assert.equal(revoked.status, 401, "its session ended");
  await revoked.body?.cancel();
  const poll = await after.request(
    `/api/poll?timeout=0&ticket=${ticket}`,
  );
  assert.equal(poll.status, 401, "its ticket ended");
  await poll.body?.cancel();
  const kept = await snapshot({ headers: { cookie: fromOther } });
  assert.equal(kept.status, 200, "another token's session goes on");
  await kept.body?.cancel();
});

Deno.test("auth: a ticket opens one stream; a replayed ticket URL is refused", async () => {
  using t = withAuth();
  const { ticket } = await (await t.request("/api/ticket", {
    method: "POST",
    ...bearer(TOKEN),
  })).json();
  const first = await t.request(`/api/sse?topic=pnl&ticket=${ticket}`);
  assert.equal(first.status, 200);
  await first.body?.cancel();
  const replay = await t.request(`/api/sse?topic=pnl&ticket=${ticket}`);
  assert.equal(replay.status, 401);
  await replay.body?.cancel();
});

Deno.test("auth: sign-in and sign-out refuse another site's form (login CSRF); /logout clears the cookie", async () => {
  using t = withAuth();
  const foreign = await formLogin(t, TOKEN, {
    origin: "https://evil.example",
  });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers.get("set-cookie"), null);
  const crossSite = await formLogin(t, TOKEN, {
    "sec-fetch-site": "cross-site",
  });
  assert.equal(crossSite.status, 403);
  // A sandboxed frame's form posts with the opaque origin "null".
  const opaque = await formLogin(t, TOKEN, { origin: "null" });
  assert.equal(opaque.status, 403);
  assert.equal(opaque.headers.get("set-cookie"), null);
  const own = await formLogin(t, TOKEN, { origin: "http://pulse.test" });
  assert.equal(own.status, 303);
  const cookie = cookieOf(own);
  const out = await t.request("/logout", {
    method: "POST",
    headers: { cookie, origin: "http://pulse.test" },
    redirect: "manual",
  });
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), "/login");
  assert.match(
    out.headers.get("set-cookie") ?? "",
    /^pulse_session=; .*Max-Age=0/,
  );
  const foreignOut = await t.request("/logout", {
    method: "POST",
    headers: { cookie, origin: "https://evil.example" },
  });
  assert.equal(foreignOut.status, 403);
  await foreignOut.body?.cancel();
});

Deno.test("auth: behind a trusted proxy, the cookie is Secure under TLS and lockouts count the client's address, not the proxy's", async () => {
  const config = (trust: string) =>
    parseConfig({
      PULSE_TOKENS: TOKEN,
      PULSE_TRUST_PROXY: trust,
      PULSE_MAX_AUTH_FAILURES_PER_IP: "2",
    });
  using trusted = makeTestApp({ config: config("true") });
  const viaTls = await formLogin(trusted, TOKEN, {
    "x-forwarded-proto": "https",
  });
  assert.match(viaTls.headers.get("set-cookie") ?? "", /; Secure$/);
  // Two clients behind the same proxy: one guessing does not lock out the other.
  const guess = (client: string) =>
    trusted.request("/api/snapshot", {
      headers: {
        authorization: "Bearer tok_guess_guess_guess",
        "x-forwarded-for": `203.0.113.9, ${client}`,
      },
    });
  for (let i = 0; i < 3; i++) {
    await (await guess("198.51.100.1")).body?.cancel();
  }
  const locked = await guess("198.51.100.1");
  assert.equal(locked.status, 429);
  await locked.body?.cancel();
  const other = await guess("198.51.100.2");
  assert.equal(other.status, 401, "another client behind the proxy");
  await other.body?.cancel();

  // Without the setting, the forwarded headers are not believed.
  using untrusted = makeTestApp({ config: config("false") });
  const plain = await formLogin(untrusted, TOKEN, {
    "x-forwarded-proto": "https",
  });
  assert.doesNotMatch(plain.headers.get("set-cookie") ?? "", /Secure/);
  assert.throws(() => config("yes"), /PULSE_TRUST_PROXY must be true or false/);
});

Deno.test("auth: after signing in, the browser returns to the page that asked (only a path on this server)", async () => {
  using t = withAuth();
  const admin = await t.request("/admin", { redirect: "manual" });
  assert.equal(admin.status, 303);
  assert.equal(admin.headers.get("location"), "/login?next=%2Fadmin");
  const kiosk = await t.request("/?kiosk", { redirect: "manual" });
  assert.equal(kiosk.headers.get("location"), "/login?next=%2F%3Fkiosk");
  const page = await (await t.request("/login?next=%2Fadmin")).text();
  assert.match(page, /<input type="hidden" name="next" value="\/admin">/);
  for (
    const [next, to] of [
      ["/admin", "/admin"],
      ["/?kiosk", "/?kiosk"],
      ["//evil.example/x", "/"],
      ["https://evil.example", "/"],
      ["/\\evil.example", "/"],
      ["", "/"],
    ]
  ) {
    const res = await t.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${TOKEN}&next=${encodeURIComponent(next!)}`,
      redirect: "manual",
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), to, `next=${next}`);
  }
});

Deno.test("auth: a viewer link opens the board read-only: the board and its API, never /admin, /metrics, the admin topic or new links; it ends with its token", async () => {
  const secret = "v".repeat(32);
  const app = (tokens: string) =>
    makeTestApp({
      config: parseConfig({
        PULSE_TOKENS: tokens,
        PULSE_SESSION_SECRET: secret,
      }),
    });
  using t = app(TOKEN);
  const minted = await t.request("/api/viewer-links", {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ hours: 48 }),
  });
  assert.equal(minted.status, 201);
  const { url, expiresAt } = await minted.json();
  assert.match(url, /^\/view\?link=/);
  assert.equal(Date.parse(expiresAt) - t.clock.now(), 48 * 3_600_000);
  const opened = await t.request(url, { redirect: "manual" });
  assert.equal(opened.status, 303);
  assert.equal(opened.headers.get("location"), "/");
  const cookie = cookieOf(opened);
  const as = (path: string, init: RequestInit = {}) =>
    t.request(path, { ...init, headers: { cookie, ...init.headers } });
  const statuses: Record<string, number> = {};
  for (
    const path of [
      "/",
      "/api/snapshot?topic=pnl",
      "/api/poll?topic=pnl&timeout=0",
      "/admin",
      "/metrics",
      "/api/snapshot?topic=admin",
      "/api/sse?topic=admin",
    ]
  ) {
    const res = await as(path);
    statuses[path] = res.status;
    await res.body?.cancel();
  }
  assert.deepEqual(statuses, {
    "/": 200,
    "/api/snapshot?topic=pnl": 200,
    "/api/poll?topic=pnl&timeout=0": 200,
    "/admin": 403,
    "/metrics": 403,
    "/api/snapshot?topic=admin": 403,
    "/api/sse?topic=admin": 403,
  });
  const relinked = await as("/api/viewer-links", { method: "POST" });
  assert.equal(relinked.status, 403, "a viewer cannot mint links");
  await relinked.body?.cancel();
  // Its tickets are viewer tickets: still no admin topic.
  const { ticket } = await (await as("/api/ticket", { method: "POST" })).json();
  const adminStream = await t.request(`/api/sse?topic=admin&ticket=${ticket}`);
  assert.equal(adminStream.status, 403);
  await adminStream.body?.cancel();
  // Removing the operator token that minted it ends the link and its session.
  using after = app("tok_another_operator_1");
  const revoked = await after.request("/api/snapshot?topic=pnl", {
    headers: { cookie },
  });
  assert.equal(revoked.status, 401);
  await revoked.body?.cancel();
  const relink = await after.request(url);
  assert.equal(relink.status, 401);
  assert.match(await relink.text(), /expired or was revoked/);
});

Deno.test("auth: a ticket serves one long-poll connection: its polls one after another, never two parked at once", async () => {
  using t = withAuth();
  const { ticket } = await (await t.request("/api/ticket", {
    method: "POST",
    ...bearer(TOKEN),
  })).json();
  const snap = await (await t.request("/api/snapshot", bearer(TOKEN))).json();
  const parkedUrl =
    `/api/poll?topic=pnl&since=${snap.seq}&epoch=${snap.epoch}&timeout=5&ticket=${ticket}`;
  const first = t.request(parkedUrl);
  // Parked once it listens to the hub (the ticket's check is real crypto,
  // so that takes real time, longer on a busy machine).
  const parked = () => t.connections.counts().poll ?? 0;
  for (let i = 0; i < 500 && parked() === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(parked(), 1, "the first poll is parked");
  const second = await t.request(parkedUrl);
  assert.equal(second.status, 409);
  assert.match(
    (await second.json()).error.message,
    /this ticket already has a poll waiting; a ticket serves one long-poll connection/,
  );
  await t.clock.advance(5_000);
  const answered = await first;
  assert.equal(answered.status, 200);
  assert.deepEqual((await answered.json()).messages, []);
  // The connection's next poll, after the first answered, is its own.
  const next = t.request(parkedUrl.replace("timeout=5", "timeout=0"));
  assert.equal((await next).status, 200);
  await (await next).body?.cancel();
});
