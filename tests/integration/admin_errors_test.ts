/**
 * The console counts what failed: a source whose reads fail and fall back
 * to its cached figure (the board shows it stale) has those failures in
 * its "Errors (1 h)", not zero.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";
import { serveMock } from "../_helpers/upstreams/mod.ts";

Deno.test("admin: failed reads that fell back to the cache count as errors in the console's last hour", async () => {
  let up = true;
  await using shop = serveMock(() =>
    up
      ? Response.json({ total: 12_345 })
      : Response.json({ error: "maintenance" }, { status: 503 })
  );
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "shop",
          kind: "http-json",
          role: "revenue",
          url: `${shop.url}/total`,
          amountPointer: "/total",
          unit: "minor",
          intervalMs: 300,
          // Its failures are 503s, answered at once; the first reads must
          // succeed even on a busy machine.
          timeoutMs: 2_000,
          cacheTtlMs: 0,
          retry: { maxAttempts: 1 },
          breaker: { failureThreshold: 1_000, cooldownMs: 30_000 },
        }],
      }),
    );
    await using server = await startServerProcess({
      env: { PULSE_CONFIG: file },
    });
    const admin = async () =>
      (await (await fetch(new URL("/api/snapshot?topic=admin", server.url)))
        .json()).data?.sources?.shop;
    const end = Date.now() + 10_000;
    while ((await admin())?.reads1h < 1 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
    }
    up = false;
    let shopRow;
    for (;;) {
      const pnl = await (await fetch(new URL("/api/snapshot", server.url)))
        .json();
      shopRow = await admin();
      // Stale, or paused once the failures' rate opens the breaker (it
      // opens at half of 10 calls failing, however high its threshold).
      if (
        ["stale", "open"].includes(pnl.data.sources.shop?.status) &&
        shopRow?.errors1h >= 2
      ) {
        break;
      }
      if (Date.now() > end) {
        throw new Error(
          `errors1h ${shopRow?.errors1h}: ${
            JSON.stringify(pnl.data.sources.shop)
          }`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(shopRow.errors1h >= 2, "failed reads are counted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
