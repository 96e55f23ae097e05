/**
 * A pushed source's own deliveries are never kept waiting by its circuit
 * breaker: a `total` webhook that has had no event yet fails every read
 * ("no event received yet") until its breaker opens, and its first
 * delivery must still show on the board at once, not after the cooldown.
 */
import assert from "node:assert/strict";
import { postSigned } from "../_helpers/ingest.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { eventually } from "../_helpers/eventually.ts";

Deno.test("a webhook source's first delivery shows at once even after its breaker opened on reads that found no event yet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "bank",
          kind: "webhook",
          role: "revenue",
          mode: "total",
          secretEnv: "BANK_SECRET",
          intervalMs: 100,
          breaker: { failureThreshold: 2, cooldownMs: 60_000 },
        }],
      }),
    );
    await using server = await startServerProcess({
      env: { PULSE_CONFIG: file, BANK_SECRET: "whsec_bank" },
    });
    const health = async () =>
      await (await fetch(new URL("/api/health", server.url))).json();
    await eventually(
      async () => (await health()).sources.bank.breaker === "open" || undefined,
      "the breaker open on reads with no event yet",
    );
    const sent = performance.now();
    await postSigned(server.url, "bank", "whsec_bank", {
      id: "b1",
      amount: "12.34",
    });
    await eventually(async () => {
      const s = await (await fetch(new URL("/api/snapshot", server.url)))
        .json();
      return s.data.sources.bank?.amountMinor === 1234 || undefined;
    }, "the delivered figure on the board");
    const ms = performance.now() - sent;
    assert.ok(ms < 2_000, `shown ${ms.toFixed(0)} ms after the delivery`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
