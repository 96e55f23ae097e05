import assert from "node:assert/strict";
import { replay } from "@/lib/sources/kalshi/kalshi_realized.ts";

const T = Date.parse("2026-06-01T00:00:00Z");
/** A fill: contracts (signed, YES bought > 0), YES price in dollars. */
const fill = (n: number, contracts: number, price: number, fee = 0) => ({
  id: `f${n}`,
  at: T + n * 1000,
  delta: BigInt(Math.round(contracts * 100)),
  price: BigInt(Math.round(price * 1_000_000)),
  fee: BigInt(Math.round(fee * 1_000_000)),
});
const dollars = (out: readonly (readonly [number, bigint, ...unknown[]])[]) =>
  out.map(([at, micro]) => [(at - T) / 1000, Number(micro) / 1_000_000]);

Deno.test("replay: closing part of a long position realizes price minus average cost on what it closes, fees at each fill", () => {
  assert.deepEqual(
    dollars(replay([
      fill(1, 4, 0.40, 0.01),
      fill(2, 4, 0.50), // average cost 0.45
      fill(3, -5, 0.60, 0.02), // closes 5: +0.75
    ])),
    [[1, -0.01], [3, -0.02], [3, 0.75]],
  );
});

Deno.test("replay: a short position (NO held) realizes when bought back, and a fill through zero opens the other side at its price", () => {
  assert.deepEqual(
    dollars(replay([
      fill(1, -5, 0.50), // short 5 YES at 0.50
      fill(2, 2, 0.45), // buy back 2: +0.10
      fill(3, 6, 0.40), // buy back 3 (+0.30), then long 3 at 0.40
      fill(4, -3, 0.30), // sell the 3: -0.30
    ])),
    [[2, 0.1], [3, 0.3], [4, -0.3]],
  );
});

Deno.test("fillDirection: each row of Kalshi's direction table moves YES the documented way; a pair Kalshi never sends, or fields that disagree, are an error naming the fill", async () => {
  const { fillDirection } = await import(
    "@/lib/sources/kalshi/kalshi_realized.ts"
  );
  const { KALSHI_DOCUMENTED_DIRECTIONS } = await import(
    "../../_helpers/upstreams/kalshi_shapes.ts"
  );
  const { UpstreamDataError } = await import("@/lib/sources/mod.ts");
  for (const row of KALSHI_DOCUMENTED_DIRECTIONS) {
    const longer = row.action === "buy"
      ? row.side // buying X is longer X
      : row.side === "yes"
      ? "no"
      : "yes";
    const expected = longer === "yes" ? 1n : -1n;
    assert.equal(fillDirection({ ...row }, "f"), expected, JSON.stringify(row));
    const { outcome_side, book_side } = row;
    assert.equal(fillDirection({ outcome_side, book_side }, "f"), expected);
    assert.equal(fillDirection({ book_side }, "f"), expected);
    assert.equal(
      fillDirection({ action: row.action, side: row.side }, "f"),
      expected,
      "legacy fields alone",
    );
  }
  for (
    const bad of [
      { outcome_side: "yes", book_side: "ask" },
      { outcome_side: "no", book_side: "bid" },
      { outcome_side: "no", book_side: "ask", action: "buy", side: "yes" },
      { book_side: "sell" },
      {},
    ]
  ) {
    assert.throws(
      () => fillDirection(bad, "Kalshi fill f9"),
      (e) => e instanceof UpstreamDataError && /Kalshi fill f9/.test(e.message),
      JSON.stringify(bad),
    );
  }
  assert.equal(
    fillDirection({ outcome_side: "no", book_side: "ask", action: null }, "f"),
    -1n,
    "a legacy field sent as null is not sent",
  );
});
