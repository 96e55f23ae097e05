import assert from "node:assert/strict";
import { replay } from "@/lib/sources/kalshi_realized.ts";

const T = Date.parse("2026-06-01T00:00:00Z");
/** A fill: contracts (signed, YES bought > 0), YES price in dollars. */
const fill = (n: number, contracts: number, price: number, fee = 0) => ({
  id: `f${n}`,
  at: T + n * 1000,
  delta: BigInt(Math.round(contracts * 100)),
  price: BigInt(Math.round(price * 1_000_000)),
  fee: BigInt(Math.round(fee * 1_000_000)),
});
const dollars = (out: [number, bigint][]) =>
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
