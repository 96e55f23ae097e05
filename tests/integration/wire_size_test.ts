/**
 * What the default board costs on the wire (state version 2: each fact
 * once): the snapshot a client takes on connecting and the deltas of the
 * simulator's steps, as `deno task start` serves them.
 */
import assert from "node:assert/strict";
import {
  isPnlState,
  periodWindows,
  type ServerEnvelope,
} from "@/lib/protocol/mod.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { openSse } from "../_helpers/sse_client.ts";

const DELTAS = 20;

// A simulator step moves three flows and the balance: a delta carries, in
// each of five periods, the three role totals, the net and the three
// flows' amounts (the paths PROTOCOL.md fixes), each flow's new `asOf` and
// the balance: about 1,220 bytes in December, the floor for that content,
// and more when the comparison's moving end passes a movement of the
// previous period (about 1,320 on average over a minute). Version 1 sent
// 2,240.
const MEAN_DELTA_BYTES = 1_400;

Deno.test("the default board's wire: a snapshot of at most 3,000 bytes, deltas of each changed figure once (about half of version 1), no period bounds or timestamps that only move with the clock", async () => {
  await using server = await startServerProcess({
    env: { PULSE_SIM_INTERVAL_MS: "200" },
  });
  const sse = await openSse(new URL("/api/sse?topic=pnl", server.url).href);
  try {
    // The first delta after connecting may hold the start's catch-up.
    await sse.waitFor(
      (events) =>
        events.filter((e) => e.data.includes('"delta"')).length > DELTAS + 1,
      30_000,
    );
  } finally {
    await sse.close();
  }
  const snapshot = sse.events[0]!.data;
  const envelope = JSON.parse(snapshot) as ServerEnvelope;
  assert.equal(envelope.type, "snapshot");
  const state = envelope.type === "snapshot" ? envelope.data : undefined;
  assert.ok(isPnlState(state), "a version-2 state");
  assert.ok(
    snapshot.length <= 3_000,
    `snapshot ${snapshot.length} bytes (at most 3,000)`,
  );
  const deltas = sse.events.map((e) => e.data).filter((d) =>
    d.includes('"delta"')
  ).slice(1, DELTAS + 1);
  const mean = deltas.reduce((n, d) => n + d.length, 0) / deltas.length;
  assert.ok(
    mean <= MEAN_DELTA_BYTES,
    `mean delta ${Math.round(mean)} bytes (at most ${MEAN_DELTA_BYTES})`,
  );
  for (const d of deltas) {
    assert.doesNotMatch(
      d,
      /"(from|to|totals|balances|periodsAt)"/,
      "nothing a client derives, nothing said twice",
    );
  }
  // The bounds a client derives fit the state: today holds the snapshot.
  const today = periodWindows(state, envelope.ts).today;
  const ts = Date.parse(envelope.ts);
  assert.ok(today.from <= ts && ts < today.to);
});
