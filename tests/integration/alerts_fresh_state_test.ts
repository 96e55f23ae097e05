/**
 * An alert never puts older figures back on the board: a burst of signed
 * webhook deliveries with an alert rule configured, crossing the rule's
 * threshold half-way, shows the last figure (and the alert) on every
 * transport at once, and the stream's revenue never goes back.
 */
import assert from "node:assert/strict";
import { applyMergePatch, type JsonObject } from "@/lib/protocol/mod.ts";
import type { ServerEnvelope } from "@/lib/protocol/mod.ts";
import { postSigned } from "../_helpers/ingest.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { startReceiver } from "../_helpers/receiver.ts";
import { openRecordingSocket } from "../_helpers/ws_client.ts";
import { openSse } from "../_helpers/sse_client.ts";
import { eventually } from "../_helpers/eventually.ts";

const SECRET = "whsec_shop";

/** The states a stream's envelopes pass through, in order. */
function statesOf(envelopes: readonly ServerEnvelope[]): JsonObject[] {
  const states: JsonObject[] = [];
  let state: JsonObject | undefined;
  for (const e of envelopes) {
    if (e.type === "snapshot") state = e.data as JsonObject;
    else if (e.type === "delta" && state) {
      state = applyMergePatch(state, e.patch) as JsonObject;
    } else continue;
    states.push(state);
  }
  return states;
}

const revenue = (state: JsonObject | undefined): number | undefined =>
  (state as { periods?: { today?: { revenueMinor?: number } } } | undefined)
    ?.periods?.today?.revenueMinor;
const firing = (state: JsonObject | undefined): number =>
  (state as { alerts?: { firing?: unknown[] } } | undefined)?.alerts?.firing
    ?.length ?? 0;

Deno.test("alerts: a burst of deliveries across a rule's threshold shows the last figure and the alert on every transport at once, never an older figure", async () => {
  await using ops = startReceiver();
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "shop",
          kind: "webhook",
          role: "revenue",
          mode: "increment",
          secretEnv: "SHOP_SECRET",
        }],
        alerts: [{
          id: "big-sales",
          figure: "revenue",
          period: "today",
          above: 100,
          notify: ["ops"],
        }],
        channels: [{
          id: "ops",
          kind: "webhook",
          url: ops.url,
          secretEnv: "OPS_SECRET",
        }],
      }),
    );
    await using server = await startServerProcess({
      env: {
        PULSE_CONFIG: file,
        PULSE_DB: `${dir}/pulse.db`,
        SHOP_SECRET: SECRET,
        OPS_SECRET: "ops-signing-secret",
      },
    });
    const ws = await openRecordingSocket(
      new URL("/api/ws?topic=pnl", server.url).href.replace(/^http/, "ws"),
    );
    await using _ws = ws;
    await using sse = await openSse(
      new URL("/api/sse?topic=pnl", server.url).href,
    );
    await ws.waitFor((m) => m.some((e) => e.type === "snapshot"));

    // Ten sales of $15 within about a tenth of a second: the rule fires on
    // the seventh ($105), while the later ones are still in the window.
    for (let i = 1; i <= 10; i++) {
      await postSigned(server.url, "shop", SECRET, {
        id: `o${i}`,
        amount: "15.00",
      });
    }
    const stored = performance.now();
    const final = (state: JsonObject | undefined) =>
      revenue(state) === 15_000 && firing(state) === 1;

    await ws.waitFor((m) => final(statesOf(m).at(-1)), 4_000);
    const wsAt = performance.now() - stored;
    await sse.waitFor(
      (events) =>
        final(
          statesOf(events.map((e) => JSON.parse(e.data) as ServerEnvelope))
            .at(-1),
        ),
      4_000,
    );
    const snapshot = await eventually(async () => {
      const s = await (await fetch(new URL("/api/snapshot", server.url)))
        .json();
      return final(s.data) ? s : undefined;
    }, "the snapshot's last figure");
    const poll = await (await fetch(
      new URL("/api/poll?topic=pnl&timeout=0", server.url),
    )).json();
    assert.ok(final(poll.messages[0].data), "long-poll's snapshot");
    // Well inside the source's next read (5 s for a webhook), which the
    // bug waited for.
    assert.ok(wsAt < 3_000, `the last figure took ${wsAt.toFixed(0)} ms`);

    // Once shown, no figure went back: the alert's board was added to the
    // newest state, not to the one published before the burst.
    const seen = statesOf(ws.messages).map(revenue).filter((r) =>
      r !== undefined
    );
    for (let i = 1; i < seen.length; i++) {
      assert.ok(
        seen[i]! >= seen[i - 1]!,
        `revenue went back from ${seen[i - 1]} to ${seen[i]}: ${seen}`,
      );
    }
    assert.equal(snapshot.data.alerts.firing[0].rule, "big-sales");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
