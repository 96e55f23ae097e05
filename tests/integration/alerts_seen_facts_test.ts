/**
 * Alerts judge only facts seen since the start: a rule waits until every
 * source it depends on has been read (or failed a read) in this process,
 * so a net rule does not fire on the $0.00 of a board nobody has read
 * yet, and a status rule does not fire (and resolve) on a figure restored
 * as stale from before a restart.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";
import { startReceiver } from "../_helpers/receiver.ts";
import { serveMock } from "../_helpers/upstreams/mod.ts";
import { eventually } from "../_helpers/eventually.ts";

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A sources file: a fast JSON source of costs ("ads", $0.00 at `url`/ads)
 * beside a slower one of sales ("shop", at `url`/shop), and one rule,
 * delivered to `hook`. The fast one is read, and the board published,
 * while the shop's first read is still under way.
 */
async function board(dir: string, url: string, hook: string, rule: object) {
  const file = `${dir}/sources.json`;
  const json = (id: string, role: string) => ({
    id,
    kind: "http-json",
    role,
    url: `${url}/${id}`,
    amountPointer: "/total",
    unit: "minor",
    intervalMs: 500,
    timeoutMs: 5_000,
  });
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      sources: [json("ads", "expense"), json("shop", "revenue")],
      alerts: [{ id: "watch", notify: ["ops"], ...rule }],
      channels: [{
        id: "ops",
        kind: "webhook",
        url: hook,
        secretEnv: "OPS_SECRET",
      }],
    }),
  );
  return {
    PULSE_CONFIG: file,
    PULSE_DB: `${dir}/pulse.db`,
    OPS_SECRET: "ops-signing-secret",
  };
}

Deno.test("alerts: a net rule waits for its sources' first read after start; the $0.00 before it is not a fact", async () => {
  await using ops = startReceiver();
  // The shop answers $5.00, slowly, as a busy upstream does.
  await using upstream = serveMock(async (_req, url) => {
    if (url.pathname === "/ads") return Response.json({ total: 0 });
    await settle(1_500);
    return Response.json({ total: 500 });
  });
  const dir = await Deno.makeTempDir();
  try {
    const env = await board(dir, upstream.url, ops.url, {
      figure: "net",
      period: "today",
      below: 1,
    });
    await using server = await startServerProcess({ env });
    await eventually(async () => {
      const s = await (await fetch(new URL("/api/snapshot", server.url)))
        .json();
      return s.data.periods.today.netMinor === 500 || undefined;
    }, "the shop's first figure");
    await settle(1_000);
    assert.deepEqual(
      ops.received.map((r) => JSON.parse(r.body).status),
      [],
      "nothing fired on a figure nobody had read",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts: a status rule does not fire and resolve on a restart, when the restored figure starts as stale", async () => {
  await using ops = startReceiver();
  await using upstream = serveMock(async (_req, url) => {
    if (url.pathname === "/ads") return Response.json({ total: 0 });
    await settle(300);
    return Response.json({ total: 700 });
  });
  const dir = await Deno.makeTempDir();
  try {
    const env = await board(dir, upstream.url, ops.url, {
      source: "shop",
      status: ["stale", "error"],
    });
    {
      await using first = await startServerProcess({ env });
      await eventually(async () => {
        const s = await (await fetch(new URL("/api/snapshot", first.url)))
          .json();
        return s.data.sources.shop.status === "ok" || undefined;
      }, "the shop read");
      await settle(300);
    }
    await using second = await startServerProcess({ env });
    await eventually(async () => {
      const s = await (await fetch(new URL("/api/snapshot", second.url)))
        .json();
      return s.data.sources.shop.status === "ok" || undefined;
    }, "the shop read again");
    await settle(1_000);
    assert.deepEqual(
      ops.received.map((r) => JSON.parse(r.body).status),
      [],
      "no FIRING and RESOLVED pair on a deploy",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
