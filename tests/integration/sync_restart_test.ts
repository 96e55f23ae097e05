/**
 * A first Stripe sync survives the process: SIGKILL the server half-way
 * through a paged sync and start it again on the same database; it goes
 * on from the page it reached (at most the page in flight is read twice)
 * and ends with exact totals.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";
import { stripeAccount, stripeMock } from "../_helpers/upstreams/mod.ts";
import { eventually } from "../_helpers/eventually.ts";

type Snapshot = {
  data: {
    sources: Record<
      string,
      {
        status: string;
        sync?: { pages: number };
        detail?: Record<string, number>;
      }
    >;
    periods: { ytd: { revenueMinor: number } };
  };
};

/** The server's snapshot once `ok` holds for it. */
function until(
  url: string,
  ok: (s: Snapshot) => boolean,
  what: string,
): Promise<Snapshot> {
  return eventually(async () => {
    const s: Snapshot = await (await fetch(new URL("/api/snapshot", url)))
      .json();
    return ok(s) ? s : undefined;
  }, what);
}

Deno.test("a Stripe sync killed half-way (SIGKILL) goes on after a restart from the page it reached, with exact totals", async () => {
  const start = Date.parse("2026-01-05T00:00:00Z") / 1000;
  const { transactions: txns, net: expected } = stripeAccount(4_000, {
    start: start,
    everyS: 600,
  });
  await using stripe = stripeMock(txns, {
    requestsPerSecond: 100,
    latencyMs: 20,
  });
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "stripe",
          kind: "stripe",
          role: "revenue",
          keyEnv: "STRIPE_KEY",
          baseUrl: stripe.url,
          since: "2026-01-01T00:00:00Z",
          pagesPerRead: 2,
          requestsPerSecond: 20,
          intervalMs: 60_000,
        }],
      }),
    );
    const env = {
      PULSE_CONFIG: file,
      PULSE_DB: `${dir}/pulse.db`,
      STRIPE_KEY: "sk_test_pulseboard",
    };
    const first = await startServerProcess({ env });
    await until(
      first.url,
      (s) => (s.data.sources.stripe?.sync?.pages ?? 0) >= 10,
      "ten pages",
    );
    assert.equal(await first.stop("SIGKILL"), 137);
    const servedBefore = stripe.served.length;
    assert.ok(servedBefore < 40, "stopped half-way through 40 pages");

    await using second = await startServerProcess({ env });
    const done = await until(
      second.url,
      (s) => s.data.sources.stripe?.status === "ok",
      "the sync to finish",
    );
    assert.equal(done.data.periods.ytd.revenueMinor, expected);
    assert.equal(done.data.sources.stripe?.detail?.transactions, 4_000);
    const sync = stripe.served.filter((p) =>
      p.startsWith(`${Date.parse("2026-01-01T00:00:00Z") / 1000}:`)
    );
    const twice = sync.length - new Set(sync).size;
    assert.ok(
      twice <= 1,
      `${twice} pages read twice (only the one in flight may be)`,
    );
    assert.equal(new Set(sync).size, 40, "every page of the first sync, once");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
