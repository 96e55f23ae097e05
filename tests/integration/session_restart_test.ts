/**
 * Screens stay signed in across restarts: without PULSE_SESSION_SECRET the
 * signing key is kept beside the database, so a browser's session and a
 * wall screen's viewer link still open the board after the server is
 * restarted (or killed), as `deno task start` runs it.
 */
import assert from "node:assert/strict";
import { startRedis } from "../_helpers/redis_server.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const TOKEN = "tok_restart_0123456789abcdef";

Deno.test("without PULSE_SESSION_SECRET, a signed-in browser and a viewer link still open the board after a restart and after SIGKILL; the key file is private", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pulse-session-" });
  try {
    const env = { PULSE_TOKENS: TOKEN, PULSE_DB: `${dir}/pulse.db` };
    const first = await startServerProcess({ env });
    let cookie: string;
    let link: string;
    try {
      assert.ok(
        first.lines.some((l) =>
          l.includes(`kept in ${dir}/pulse.db.session-key`)
        ),
        "the start says where the key is kept",
      );
      const login = await fetch(new URL("/login", first.url), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `token=${TOKEN}`,
        redirect: "manual",
      });
      await login.body?.cancel();
      cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const minted = await fetch(new URL("/api/viewer-links", first.url), {
        method: "POST",
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ hours: 24 }),
      });
      assert.equal(minted.status, 201);
      link = (await minted.json()).url;
    } finally {
      assert.equal(await first.stop(), 0);
    }
    const mode = (await Deno.stat(`${dir}/pulse.db.session-key`)).mode!;
    assert.equal(mode & 0o777, 0o600, "only its user reads the key");

    for (const stop of ["SIGTERM", "SIGKILL"] as const) {
      const again = await startServerProcess({ env });
      try {
        const snapshot = await fetch(
          new URL("/api/snapshot?topic=pnl", again.url),
          { headers: { cookie } },
        );
        assert.equal(snapshot.status, 200, "the session outlived the restart");
        await snapshot.body?.cancel();
        const opened = await fetch(new URL(link, again.url), {
          redirect: "manual",
        });
        await opened.body?.cancel();
        assert.equal(opened.status, 303, "the viewer link still opens");
        assert.equal(opened.headers.get("location"), "/");
      } finally {
        await again.stop(stop);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with Redis and no PULSE_SESSION_SECRET, instances that share Redis share the key: a browser signed in on one is signed in on the other", async () => {
  await using redis = await startRedis();
  // In-memory databases: the key can only come from Redis.
  const env = { PULSE_TOKENS: TOKEN, REDIS_URL: redis.url };
  await using a = await startServerProcess({ env });
  await using b = await startServerProcess({ env });
  assert.ok(
    a.lines.some((l) => l.includes("kept in Redis for the cluster")),
    "the start says where the key is kept",
  );
  const login = await fetch(new URL("/login", a.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `token=${TOKEN}`,
    redirect: "manual",
  });
  await login.body?.cancel();
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const other = await fetch(new URL("/api/snapshot?topic=pnl", b.url), {
    headers: { cookie },
  });
  await other.body?.cancel();
  assert.equal(other.status, 200);
});
