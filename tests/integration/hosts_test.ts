/**
 * DNS rebinding: a page on an attacker's domain that resolves to the
 * board's address must get nothing, on any route, even when its Origin
 * matches its Host (which makes it look same-origin).
 */
import assert from "node:assert/strict";
import { hostPolicy, servedHosts } from "@/lib/http/mod.ts";
import { parseConfig } from "@/lib/config.ts";
import { makeTestApp } from "../_helpers/app.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const REBOUND = "evil.example:8000";

Deno.test("hosts: a rebound Host gets 421 on every route, upgrade and CORS preflight included, and is counted", async () => {
  using t = makeTestApp();
  const sameOrigin = { host: REBOUND, origin: `http://${REBOUND}` };
  for (
    const [path, init] of [
      ["/", {}],
      ["/admin", {}],
      ["/api/snapshot?topic=pnl", {}],
      ["/api/health", {}],
      ["/api/ws?topic=pnl", {
        headers: { upgrade: "websocket", connection: "Upgrade" },
      }],
      ["/api/sse?topic=pnl", {}],
      ["/api/poll?topic=pnl", {}],
      ["/api/snapshot?topic=pnl", {
        method: "OPTIONS",
        headers: { "access-control-request-method": "GET" },
      }],
      ["/metrics", {}],
    ] as [string, RequestInit][]
  ) {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(sameOrigin)) headers.set(k, v);
    const res = await t.request(path, { ...init, headers });
    assert.equal(res.status, 421, `${init.method ?? "GET"} ${path}`);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    const body = await res.json();
    assert.equal(body.error.code, "forbidden");
    assert.match(body.error.message, /PULSE_ALLOWED_HOSTS/);
  }
  // The served name still works.
  assert.equal((await t.request("/api/health")).status, 200);
});

Deno.test("hosts: the names served by default, and PULSE_ALLOWED_HOSTS", () => {
  const loopbackOnly = hostPolicy(servedHosts({
    configured: [],
    bound: "127.0.0.1",
    origins: [],
    deploy: false,
  }));
  for (
    const host of [
      "127.0.0.1:8000",
      "localhost:8000",
      "[::1]:8000",
      "board.localhost",
    ]
  ) {
    assert.equal(loopbackOnly.allows(host), true, host);
  }
  for (const host of ["evil.example", "127.0.0.1.evil.example", "", "a b"]) {
    assert.equal(loopbackOnly.allows(host), false, host);
  }
  const wildcard = servedHosts({
    configured: [],
    bound: "0.0.0.0",
    origins: ["https://board.example.com"],
    deploy: false,
    machine: () => ["Build-01", "10.0.0.7"],
  });
  assert.deepEqual(wildcard, ["board.example.com", "build-01", "10.0.0.7"]);
  const config = parseConfig({
    PULSE_ALLOWED_HOSTS: "Board.Example.com, .corp.example, [fd00::1]",
  });
  assert.deepEqual(config.allowedHosts, [
    "board.example.com",
    ".corp.example",
    "fd00::1",
  ]);
  const listed = hostPolicy(servedHosts({
    configured: config.allowedHosts,
    bound: "0.0.0.0",
    origins: [],
    deploy: false,
  }));
  assert.equal(listed.allows("ops.corp.example"), true);
  assert.equal(listed.allows("[fd00::1]:8000"), true);
  assert.equal(
    listed.allows("10.0.0.7"),
    false,
    "a list replaces the defaults",
  );
  assert.deepEqual(
    servedHosts({
      configured: [],
      bound: "0.0.0.0",
      origins: [],
      deploy: true,
    }),
    ["*"],
  );
  assert.throws(
    () => parseConfig({ PULSE_ALLOWED_HOSTS: "https://board.example.com" }),
    /PULSE_ALLOWED_HOSTS must be comma-separated host names/,
  );
});

Deno.test("hosts: the real server refuses a rebound Host on the wire and counts it", async () => {
  await using server = await startServerProcess();
  const { hostname, port } = new URL(server.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await conn.write(
    new TextEncoder().encode(
      `GET /api/snapshot?topic=pnl HTTP/1.1\r\nHost: ${REBOUND}\r\nOrigin: http://${REBOUND}\r\nConnection: close\r\n\r\n`,
    ),
  );
  const reply = new TextDecoder().decode(
    await new Response(conn.readable).arrayBuffer(),
  );
  assert.match(reply, /^HTTP\/1\.1 421 /);
  const metrics = await (await fetch(new URL("metrics", server.url))).text();
  assert.match(metrics, /^pulse_http_refused_total\{reason="host"\} 1$/m);
});
