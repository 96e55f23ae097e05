/**
 * Share links as a team uses them, on a real server with a real SQLite
 * file: named links made with a lifetime up to a year (or none) and a
 * kiosk view and period they open on, listed with their last use, and one
 * revoked alone: it and the screen it signed in stop, the other goes on,
 * and a restart keeps both facts.
 */
import assert from "node:assert/strict";
import { startRedis } from "../_helpers/redis_server.ts";
import { startServerProcess } from "../_helpers/server_process.ts";

const TOKEN = "tok_share_links_0123456789abcdef";

Deno.test("share links: made named, with kiosk and period kept and up to a year or never; listed with last use; one revoked alone stops it and its screen while the other goes on, across a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pulse-links-" });
  try {
    const env = { PULSE_TOKENS: TOKEN, PULSE_DB: `${dir}/pulse.db` };
    const operator = {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
    };
    let tv: { id: string; url: string };
    let investors: { id: string; url: string };
    let tvScreen: string;
    let investorScreen: string;
    {
      await using server = await startServerProcess({ env });
      const make = async (body: unknown) => {
        const res = await fetch(new URL("/api/viewer-links", server.url), {
          method: "POST",
          headers: operator,
          body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      };
      const a = await make({
        name: "Office TV (lobby, 3rd floor)",
        hours: "never",
        kiosk: true,
        period: "mtd",
      });
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(a.body.expiresAt, null);
      assert.equal(a.body.opens, "/?kiosk&period=mtd");
      tv = a.body;
      const b = await make({ name: "Investors Q4", hours: 366 * 24 });
      assert.equal(b.status, 201);
      investors = b.body;
      for (
        const [body, words] of [
          [
            { name: "Too long", hours: 367 * 24 },
            /at most 8784 \(366 days\), or "never"/,
          ],
          [{ name: "   ", hours: 1 }, /name is 1 to 80 characters/],
          [{ name: "x", period: "decade" }, /period must be one of today/],
        ] as const
      ) {
        const refused = await make(body);
        assert.equal(refused.status, 400);
        assert.match(refused.body.error.message, words);
      }
      // Opening each link signs its screen in where the link says.
      const open = async (url: string) => {
        const res = await fetch(new URL(url, server.url), {
          redirect: "manual",
        });
        await res.body?.cancel();
        assert.equal(res.status, 303);
        return {
          location: res.headers.get("location"),
          cookie: res.headers.get("set-cookie")!.split(";")[0]!,
        };
      };
      const tvOpened = await open(tv.url);
      assert.equal(tvOpened.location, "/?kiosk&period=mtd");
      tvScreen = tvOpened.cookie;
      const investorsOpened = await open(investors.url);
      assert.equal(investorsOpened.location, "/");
      investorScreen = investorsOpened.cookie;
      // A viewer at the console gets a page that says so, not raw JSON.
      const admin = await fetch(new URL("/admin", server.url), {
        headers: { cookie: investorScreen },
      });
      assert.equal(admin.status, 403);
      assert.match(admin.headers.get("content-type") ?? "", /text\/html/);
      assert.match(await admin.text(), /Operators only[\s\S]*share link/);
      // The list, with each link's last use.
      const listed = await (await fetch(
        new URL("/api/viewer-links", server.url),
        { headers: operator },
      )).json();
      const byId = new Map(
        listed.links.map((l: { id: string }) => [l.id, l]),
      ) as Map<string, Record<string, unknown>>;
      assert.equal(byId.get(tv.id)?.name, "Office TV (lobby, 3rd floor)");
      assert.equal(byId.get(tv.id)?.status, "active");
      assert.equal(byId.get(tv.id)?.expiresAt, null);
      assert.ok(byId.get(investors.id)?.lastUsedAt, "its use is noted");
      // The wall screen is live on SSE when its link is revoked.
      const stream = await fetch(new URL("/api/sse?topic=pnl", server.url), {
        headers: { cookie: tvScreen },
      });
      assert.equal(stream.status, 200);
      const reader = stream.body!.pipeThrough(new TextDecoderStream())
        .getReader();
      let seen = "";
      while (!seen.includes('"type":"snapshot"')) {
        seen += (await reader.read()).value ?? "";
      }
      // Revoked alone.
      const revoked = await fetch(
        new URL(`/api/viewer-links/${tv.id}`, server.url),
        { method: "DELETE", headers: operator },
      );
      assert.equal(revoked.status, 200);
      await revoked.body?.cancel();
      // Its live screen is ended at once, not at its session's end.
      const deadline = Date.now() + 5_000;
      let ended = false;
      while (!ended && Date.now() < deadline) {
        const { value, done } = await reader.read();
        seen += value ?? "";
        ended = done;
      }
      assert.ok(ended, "the revoked link's stream ended");
      assert.match(seen, /"code":"unauthorized"[^\n]*share link revoked/);
      const missing = await fetch(
        new URL("/api/viewer-links/nope", server.url),
        { method: "DELETE", headers: operator },
      );
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
      const byViewer = await fetch(
        new URL(`/api/viewer-links/${investors.id}`, server.url),
        { method: "DELETE", headers: { cookie: investorScreen } },
      );
      assert.equal(byViewer.status, 403, "a viewer cannot revoke links");
      await byViewer.body?.cancel();
    }
    // After a restart: the revoked link and its screen stay stopped, the
    // other link and its screen go on.
    await using again = await startServerProcess({ env });
    const snapshot = async (cookie: string) => {
      const res = await fetch(new URL("/api/snapshot?topic=pnl", again.url), {
        headers: { cookie },
      });
      await res.body?.cancel();
      return res.status;
    };
    assert.equal(await snapshot(tvScreen), 401, "the revoked link's screen");
    assert.equal(await snapshot(investorScreen), 200, "the other screen");
    const relink = await fetch(new URL(tv.url, again.url));
    assert.equal(relink.status, 401);
    assert.match(await relink.text(), /expired or was revoked/);
    const other = await fetch(new URL(investors.url, again.url), {
      redirect: "manual",
    });
    await other.body?.cancel();
    assert.equal(other.status, 303);
    const listed = await (await fetch(new URL("/api/viewer-links", again.url), {
      headers: operator,
    })).json();
    assert.deepEqual(
      listed.links.map((l: { name: string; status: string }) => [
        l.name,
        l.status,
      ]),
      [["Investors Q4", "active"], ["Office TV (lobby, 3rd floor)", "revoked"]],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("share links in a cluster: a link made on one instance opens on another, and revoked on one it stops on the other within seconds", async () => {
  await using redis = await startRedis();
  const env = { PULSE_TOKENS: TOKEN, REDIS_URL: redis.url };
  await using a = await startServerProcess({ env });
  await using b = await startServerProcess({ env });
  const made = await fetch(new URL("/api/viewer-links", a.url), {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ name: "Office TV", hours: 24, kiosk: true }),
  });
  assert.equal(made.status, 201);
  const link = await made.json();
  const opened = await fetch(new URL(link.url, b.url), { redirect: "manual" });
  await opened.body?.cancel();
  assert.equal(opened.status, 303);
  const screen = opened.headers.get("set-cookie")!.split(";")[0]!;
  const listed = await (await fetch(new URL("/api/viewer-links", b.url), {
    headers: { authorization: `Bearer ${TOKEN}` },
  })).json();
  assert.deepEqual(listed.links.map((l: { name: string }) => l.name), [
    "Office TV",
  ]);
  const revoked = await fetch(new URL(`/api/viewer-links/${link.id}`, a.url), {
    method: "DELETE",
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(revoked.status, 200);
  await revoked.body?.cancel();
  // B learns of it at its next refresh (5 s at most).
  const deadline = Date.now() + 10_000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    const res = await fetch(new URL("/api/snapshot?topic=pnl", b.url), {
      headers: { cookie: screen },
    });
    await res.body?.cancel();
    status = res.status;
    if (status === 200) await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(status, 401, "the other instance refuses the revoked link");
});
