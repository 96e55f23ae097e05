/**
 * The operator console's actions: read a source now and reset its
 * breaker. Carried out for operators, audited in the log; refused for a
 * viewer, for a cross-site page, and for what does not exist. Then for
 * real: a source whose breaker opened reads again at once after a reset,
 * instead of after its cooldown.
 */
import assert from "node:assert/strict";
import { parseConfig } from "@/lib/config.ts";
import { makeTestApp } from "../_helpers/app.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { serveMock } from "../_helpers/upstreams/mod.ts";
import { eventually } from "../_helpers/eventually.ts";

const TOKEN = "tok_0123456789abcdef";

Deno.test("console actions: an operator's read now, reset breaker and disconnect are carried out and audited; a viewer, a cross-site page and unknown targets are refused", async () => {
  const asked: string[] = [];
  using t = makeTestApp({
    config: parseConfig({
      PULSE_TOKENS: TOKEN,
      PULSE_SESSION_SECRET: "s".repeat(32),
    }),
    adminAction: ({ action, source }) => {
      if (source !== "stripe") return false;
      asked.push(`${action} ${source}`);
      return true;
    },
    disconnect: (id) => {
      if (id !== "c7") return false;
      asked.push(`disconnect ${id}`);
      return true;
    },
  });
  const post = (path: string, headers: Record<string, string> = {}) =>
    t.request(path, { method: "POST", headers });
  const bearer = { authorization: `Bearer ${TOKEN}` };

  const read = await post("/api/admin/sources/stripe/read", bearer);
  assert.equal(read.status, 202);
  assert.deepEqual(await read.json(), {
    accepted: true,
    action: "read",
    source: "stripe",
  });
  const reset = await post("/api/admin/sources/stripe/reset-breaker", bearer);
  assert.equal(reset.status, 202);
  await reset.body?.cancel();
  assert.deepEqual(asked, ["read stripe", "reset stripe"]);
  // A second "read now" within 5 s is refused and says when; nothing is
  // asked of the source and nothing more is logged.
  const again = await post("/api/admin/sources/stripe/read", bearer);
  assert.equal(again.status, 429);
  assert.equal(again.headers.get("retry-after"), "5");
  assert.match(
    (await again.json()).error.message,
    /"read" runs at most once every 5 s per source; it already ran for "stripe", try again in 5 s/,
  );
  assert.deepEqual(asked, ["read stripe", "reset stripe"]);
  await t.clock.advance(5_000);
  const audit = t.logs.map((l) => JSON.parse(l)).filter((r) =>
    r.msg === "admin action"
  );
  assert.deepEqual(
    audit.map((r) => [r.action, r.source]),
    [["read", "stripe"], ["reset-breaker", "stripe"]],
  );
  assert.ok(audit.every((r) => /^token \S+$/.test(r.by)), "who asked");
  assert.ok(audit.every((r) => typeof r.from === "string"), "from where");

  const unknown = await post("/api/admin/sources/strip/read", bearer);
  assert.equal(unknown.status, 404);
  assert.match(
    (await unknown.json()).error.message,
    /no source has the id "strip"/,
  );
  const nonsense = await post("/api/admin/sources/stripe/delete", bearer);
  assert.equal(nonsense.status, 404);
  assert.match(
    (await nonsense.json()).error.message,
    /the actions are sources\/:id\/read, sources\/:id\/reset-breaker, connections\/:id\/disconnect, alerts\/:id\/test, alerts\/:id\/silence and alerts\/:id\/acknowledge/,
  );
  // Names every object inherits are not actions.
  for (const inherited of ["constructor", "toString", "__proto__"]) {
    const odd = await post(`/api/admin/sources/stripe/${inherited}`, bearer);
    assert.equal(odd.status, 404, inherited);
    await odd.body?.cancel();
  }
  const kicked = await post("/api/admin/connections/c7/disconnect", bearer);
  assert.equal(kicked.status, 202);
  assert.equal((await kicked.json()).connection, "c7");
  const gone = await post("/api/admin/connections/c8/disconnect", bearer);
  assert.equal(gone.status, 404);
  assert.match(
    (await gone.json()).error.message,
    /no open connection has the id "c8"/,
  );

  // A page on another site cannot make the operator's browser act.
  const login = await t.request("/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `token=${TOKEN}`,
    redirect: "manual",
  });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const crossSite = await post("/api/admin/sources/stripe/read", {
    cookie,
    origin: "https://evil.example",
    "sec-fetch-site": "cross-site",
  });
  assert.equal(crossSite.status, 403);
  assert.match((await crossSite.json()).error.message, /cross-site/);
  // An opaque origin (a sandboxed frame, a data: URL) is another site.
  const opaque = await post("/api/admin/sources/stripe/read", {
    cookie,
    origin: "null",
  });
  assert.equal(opaque.status, 403);
  await opaque.body?.cancel();
  const sameSite = await post("/api/admin/sources/stripe/read", {
    cookie,
    origin: "http://pulse.test",
  });
  assert.equal(sameSite.status, 202);
  await sameSite.body?.cancel();

  // A viewer reads the board and nothing more.
  const minted = await post("/api/viewer-links", bearer);
  const { url } = await minted.json();
  const opened = await t.request(url, { redirect: "manual" });
  const viewer = opened.headers.get("set-cookie")!.split(";")[0]!;
  const refused = await post("/api/admin/sources/stripe/read", {
    cookie: viewer,
  });
  assert.equal(refused.status, 403);
  await refused.body?.cancel();
  assert.deepEqual(asked, [
    "read stripe",
    "reset stripe",
    "disconnect c7",
    "read stripe",
  ], "nothing more was carried out");
});

/**
 * A server with one http-json source over an upstream that answers 503
 * until `recover()`; the schedule, retry and breaker as given.
 */
async function flakySite(
  settings: {
    intervalMs: number;
    retry: { maxAttempts: number; minDelayMs: number; maxDelayMs: number };
    breaker: { failureThreshold: number; cooldownMs: number };
  },
) {
  let failing = true;
  const upstream = serveMock(() =>
    failing
      ? Response.json({ error: "down" }, { status: 503 })
      : Response.json({ total: 4200 })
  );
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sources.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      sources: [{
        id: "site",
        kind: "http-json",
        role: "revenue",
        url: `${upstream.url}/total`,
        amountPointer: "/total",
        unit: "minor",
        ...settings,
      }],
    }),
  );
  const server = await startServerProcess({ env: { PULSE_CONFIG: file } });
  return {
    upstream,
    server,
    recover: () => void (failing = false),
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await upstream.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("console actions for real: after a reset, a source whose breaker opened reads again at once instead of after its cooldown", async () => {
  await using site = await flakySite({
    intervalMs: 300,
    retry: { maxAttempts: 1, minDelayMs: 10, maxDelayMs: 10 },
    breaker: { failureThreshold: 2, cooldownMs: 600_000 },
  });
  const { server } = site;
  const health = async () =>
    await (await fetch(new URL("/api/health", server.url))).json();
  await eventually(
    async () =>
      (await health()).sources.site?.breaker === "open" ? true : undefined,
    "the breaker to open",
  );
  site.recover();
  const reset = await fetch(
    new URL("/api/admin/sources/site/reset-breaker", server.url),
    { method: "POST" },
  );
  assert.equal(reset.status, 202);
  await reset.body?.cancel();
  const read = await fetch(
    new URL("/api/admin/sources/site/read", server.url),
    { method: "POST" },
  );
  assert.equal(read.status, 202);
  await read.body?.cancel();
  const ok = await eventually(async () => {
    const h = await health();
    return h.sources.site?.status === "ok" ? h : undefined;
  }, "the source to read again");
  assert.equal(ok.sources.site.breaker, "closed");
  // The log line may reach the reader of the server's output later.
  await eventually(
    () =>
      server.lines.some((l) => l.includes('"msg":"admin action"'))
        ? true
        : undefined,
    "the action's audit line",
    10_000,
  );
});

Deno.test("a failing source is logged once as it fails and once as it recovers, not at every retry or probe; the breaker's opening and closing likewise", async () => {
  await using site = await flakySite({
    intervalMs: 100,
    retry: { maxAttempts: 2, minDelayMs: 10, maxDelayMs: 10 },
    breaker: { failureThreshold: 2, cooldownMs: 300 },
  });
  const { server, upstream } = site;
  // Three seconds down: dozens of attempts and several probes.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.ok(upstream.total >= 10, `${upstream.total} attempts`);
  site.recover();
  await eventually(
    () =>
      server.lines.some((l) => l.includes('"msg":"source recovered"'))
        ? true
        : undefined,
    "the recovery",
  );
  const count = (msg: string) =>
    server.lines.filter((l) => l.includes(`"msg":"${msg}"`)).length;
  assert.equal(count("source failing"), 1);
  assert.equal(count("circuit breaker opened"), 1);
  assert.equal(count("source recovered"), 1);
  assert.equal(count("circuit breaker closed"), 1);
  const warnings = server.lines.filter((l) => l.includes('"level":"warn"'));
  assert.ok(
    warnings.length <= 3,
    `a few lines, not one per attempt:\n${warnings.join("\n")}`,
  );
});
