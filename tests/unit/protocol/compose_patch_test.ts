import assert from "node:assert/strict";
import {
  applyMergePatch,
  composeMergePatches,
  createMergePatch,
  type JsonObject,
  type JsonValue,
} from "@/lib/protocol/mod.ts";
import { seededRandom } from "@/lib/time/mod.ts";

function randomState(random: () => number, depth = 0): JsonObject {
  const out: JsonObject = {};
  for (const key of ["a", "b", "c", "d"]) {
    const r = random();
    if (r < 0.25) continue;
    if (r < 0.5 && depth < 2) out[key] = randomState(random, depth + 1);
    else if (r < 0.65) out[key] = [Math.floor(random() * 3)];
    else out[key] = Math.floor(random() * 4) as JsonValue;
  }
  return out;
}

Deno.test("composeMergePatches(p1, p2) has the effect of p1 then p2, whenever it returns a patch", () => {
  const random = seededRandom(99);
  let composed = 0;
  for (let i = 0; i < 3000; i++) {
    const s0 = randomState(random);
    const s1 = randomState(random);
    const s2 = randomState(random);
    const p1 = createMergePatch(s0, s1) as JsonObject | undefined;
    const p2 = createMergePatch(s1, s2) as JsonObject | undefined;
    if (!p1 || !p2) continue;
    const c = composeMergePatches(p1, p2);
    if (c === undefined) continue;
    composed++;
    assert.deepEqual(
      applyMergePatch(s0, c),
      s2,
      JSON.stringify({ s0, p1, p2, c }),
    );
  }
  assert.ok(composed > 1000, `many pairs compose (${composed})`);
});

Deno.test("composeMergePatches() refuses to merge into a member the first patch replaced or removed", () => {
  // {o:{x:1}} -> {o:5} -> {o:{y:2}}: a composed {o:{y:2}} would keep x.
  assert.equal(composeMergePatches({ o: 5 }, { o: { y: 2 } }), undefined);
  assert.equal(composeMergePatches({ o: null }, { o: { y: 2 } }), undefined);
  assert.deepEqual(composeMergePatches({ o: { x: 1 } }, { o: null }), {
    o: null,
  });
});
