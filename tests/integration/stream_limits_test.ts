/**
 * Limits that hold for a credential, not only for an address, and for the
 * process as a whole: one API token (with the sessions signed in with it)
 * cannot hold more streams than its limit from however many addresses,
 * and a server over its memory budget refuses new streams and says so in
 * health and the log, under `deno task start`'s own permissions.
 */
import assert from "node:assert/strict";
import { parseConfig } from "@/lib/config.ts";
import { makeTestApp } from "../_helpers/app.ts";
import { eventually } from "../_helpers/eventually.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const TOKEN = "tok_0123456789abcdef";
const OTHER = "tok_other_0123456789";

Deno.test("stream limits: one token holds at most PULSE_MAX_STREAMS_PER_CREDENTIAL streams from many addresses, its sessions included; another token is unaffected; closing one frees a slot", async () => {
  using t = makeTestApp({
    config: parseConfig({
      PULSE_TOKENS: `${TOKEN},${OTHER}`,
      PULSE_SESSION_SECRET: "s".repeat(32),
      PULSE_TRUST_PROXY: "true",
      PULSE_MAX_STREAMS_PER_CREDENTIAL: "3",
    }),
  });
  const open = (n: number, auth: Record<string, string>) =>
    t.request("/api/sse?topic=pnl", {
      headers: { ...auth, "x-forwarded-for": `198.51.100.${n}` },
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const held: Response[] = [];
  for (let n = 1; n <= 2; n++) {
    const res = await open(n, bearer(TOKEN));
    assert.equal(res.status, 200);
    held.push(res);
  }
  // A browser signed in with the same token counts under it.
  const login = await t.request("/login", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-for": "198.51.100.3",
    },
    body: `token=${TOKEN}`,
    redirect: "manual",
  });
  const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
  await login.body?.cancel();
  const viaSession = await open(3, { cookie });
  assert.equal(viaSession.status, 200);
  held.push(viaSession);

  const refused = await open(4, bearer(TOKEN));
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "5");
  const body = await refused.json();
  assert.equal(body.error.code, "rate_limited");
  assert.match(
    body.error.message,
    /at most 3 open connections per credential \(this token or share link, from every address together\)/,
  );
  const poll = await t.request("/api/poll?topic=pnl&since=1&timeout=1", {
    headers: { ...bearer(TOKEN), "x-forwarded-for": "198.51.100.5" },
  });
  assert.equal(poll.status, 429, "a parked long-poll counts too");
  await poll.body?.cancel();

  const other = await open(4, bearer(OTHER));
  assert.equal(other.status, 200, "another token has its own slots");
  held.push(other);

  await held.shift()!.body?.cancel();
  const again = await open(6, bearer(TOKEN));
  assert.equal(again.status, 200, "a closed stream gives its slot back");
  held.push(again);
  for (const res of held) await res.body?.cancel();
});

Deno.test("memory budget: over PULSE_MEMORY_BUDGET_MB, new streams get 503 with Retry-After, health says why and the log says it once; plain requests still answer", async () => {
  await using server = await startServerProcess({
    env: { PULSE_MEMORY_BUDGET_MB: "1" }, // any process is over 1 MiB
  });
  const sse = await fetch(new URL("/api/sse?topic=pnl", server.url));
  assert.equal(sse.status, 503);
  assert.equal(sse.headers.get("retry-after"), "5");
  assert.match(
    (await sse.json()).error.message,
    /over its memory budget of 1 MiB and takes no new connections/,
  );
  const poll = await fetch(new URL("/api/poll?topic=pnl", server.url));
  assert.equal(poll.status, 503);
  await poll.body?.cancel();
  const snapshot = await fetch(new URL("/api/snapshot?topic=pnl", server.url));
  assert.equal(snapshot.status, 200);
  await snapshot.body?.cancel();
  const health = await (await fetch(new URL("/api/health", server.url)))
    .json();
  assert.equal(health.status, "degraded");
  assert.equal(health.limits.memory.budgetMb, 1);
  assert.equal(health.limits.memory.over, true);
  assert.ok(health.limits.memory.rssMb > 1);
  assert.ok(
    health.reasons.some((r: string) =>
      /over the memory budget of 1 MiB: new connections are refused/.test(r)
    ),
  );
  const metrics = await (await fetch(new URL("/metrics", server.url))).text();
  assert.match(
    metrics,
    /^pulse_streams_refused_total\{reason="memory"\} 2$/m,
    "the SSE and the poll, counted",
  );
  const warned = () =>
    server.lines.filter((l) => l.includes("memory budget reached"));
  // The log line may reach the reader of the server's output later.
  await eventually(
    () => warned().length > 0 ? true : undefined,
    "the budget's warning",
    10_000,
  );
  assert.equal(warned().length, 1);
});

Deno.test("stream limits: WebSockets opened with tickets of one token count under that token on the real server; past the limit the upgrade is refused with 429", async () => {
  await using server = await startServerProcess({
    env: { PULSE_TOKENS: TOKEN, PULSE_MAX_STREAMS_PER_CREDENTIAL: "2" },
  });
  const ticket = async () => {
    const res = await fetch(new URL("/api/ticket", server.url), {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return (await res.json()).ticket as string;
  };
  const wsUrl = async () =>
    `${
      server.url.replace("http", "ws")
    }api/ws?topic=pnl&ticket=${await ticket()}`;
  const open: WebSocket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const ws = new WebSocket(await wsUrl());
      await new Promise((resolve, reject) => {
        ws.onmessage = resolve;
        ws.onerror = () =>
          reject(new Error("a socket within the limit failed"));
      });
      open.push(ws);
    }
    // The third upgrade is answered with 429 before any socket exists
    // (sent by hand: fetch drops the upgrade headers).
    const url = new URL(await wsUrl());
    const conn = await Deno.connect({
      hostname: url.hostname,
      port: Number(url.port),
    });
    await conn.write(
      new TextEncoder().encode(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
          "Sec-WebSocket-Version: 13\r\n\r\n",
      ),
    );
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    conn.close();
    const head = new TextDecoder().decode(buffer.subarray(0, n ?? 0));
    assert.match(head, /^HTTP\/1\.1 429 /);
    assert.match(head, /at most 2 open connections per credential/);
    const metrics = await (await fetch(new URL("/metrics", server.url), {
      headers: { authorization: `Bearer ${TOKEN}` },
    })).text();
    assert.match(
      metrics,
      /^pulse_streams_refused_total\{reason="credential"\} 1$/m,
    );
  } finally {
    for (const ws of open) {
      const closed = new Promise((r) => ws.onclose = r);
      ws.close();
      await closed;
    }
  }
});
