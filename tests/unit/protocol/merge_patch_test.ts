import assert from "node:assert/strict";
import {
  applyMergePatch,
  createMergePatch,
  type JsonValue,
} from "@/lib/protocol/mod.ts";
import { seededRandom } from "@/lib/time/mod.ts";

// RFC 7396, Appendix A: [original, patch, result].
const RFC_EXAMPLES: [JsonValue, JsonValue, JsonValue][] = [
  [{ a: "b" }, { a: "c" }, { a: "c" }],
  [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
  [{ a: "b" }, { a: null }, {}],
  [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
  [{ a: ["b"] }, { a: "c" }, { a: "c" }],
  [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
  [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
  [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
  [["a", "b"], ["c", "d"], ["c", "d"]],
  [{ a: "b" }, ["c"], ["c"]],
  [{ a: "foo" }, null, null],
  [{ a: "foo" }, "bar", "bar"],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: "b", c: null }, { a: "b" }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

Deno.test("applyMergePatch() matches every example of RFC 7396 Appendix A", () => {
  for (const [original, patch, result] of RFC_EXAMPLES) {
    assert.deepEqual(
      applyMergePatch(original, patch),
      result,
      JSON.stringify({ original, patch }),
    );
  }
});

Deno.test("applyMergePatch() leaves its target unmodified", () => {
  const target = { a: { b: 1 }, c: [1] };
  applyMergePatch(target, { a: { b: 2 }, c: null });
  assert.deepEqual(target, { a: { b: 1 }, c: [1] });
});

Deno.test("applyMergePatch() treats __proto__ as an ordinary member", () => {
  const patched = applyMergePatch(
    {},
    JSON.parse('{"__proto__":{"polluted":true}}'),
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(patched as object), ["__proto__"]);
});

Deno.test("createMergePatch() returns undefined when nothing changed, whatever the key order", () => {
  assert.equal(
    createMergePatch({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }),
    undefined,
  );
});

Deno.test("createMergePatch() removes members with null, replaces arrays whole and recurses into objects", () => {
  assert.deepEqual(
    createMergePatch(
      { keep: 1, drop: 2, list: [1, 2], deep: { x: 1, y: 2 } },
      { keep: 1, list: [1, 3], deep: { x: 1, y: 3, z: 4 } },
    ),
    { drop: null, list: [1, 3], deep: { y: 3, z: 4 } },
  );
});

Deno.test("createMergePatch() refuses a null member, which a merge patch cannot express", () => {
  assert.throws(() => createMergePatch({ a: 1 }, { a: null }), /\$\.a is null/);
  assert.throws(
    () => createMergePatch({}, { a: { b: null } }),
    /\$\.a\.b is null/,
  );
  // Nulls inside arrays are data, not deletions.
  assert.deepEqual(createMergePatch({}, { a: [null] }), { a: [null] });
});

function randomValue(random: () => number, depth: number): JsonValue {
  const pick = Math.floor(random() * (depth > 2 ? 4 : 6));
  switch (pick) {
    case 0:
      return Math.floor(random() * 100);
    case 1:
      return ["x", "y", "z"][Math.floor(random() * 3)] as string;
    case 2:
      return random() < 0.5;
    case 3:
      return [Math.floor(random() * 3), null];
    default:
      return randomObject(random, depth + 1);
  }
}

function randomObject(
  random: () => number,
  depth: number,
): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  for (const key of ["a", "b", "c", "d"]) {
    if (random() < 0.6) out[key] = randomValue(random, depth);
  }
  return out;
}

Deno.test("applyMergePatch(from, createMergePatch(from, to)) equals to for 2,000 random object pairs", () => {
  const random = seededRandom(7396);
  for (let i = 0; i < 2000; i++) {
    const from = randomObject(random, 0);
    const to = randomObject(random, 0);
    const patch = createMergePatch(from, to);
    assert.deepEqual(
      patch === undefined ? from : applyMergePatch(from, patch),
      to,
    );
  }
});

Deno.test("createMergePatch() output carries __proto__ as data, so patches round-trip it", () => {
  const to = JSON.parse('{"__proto__":{"x":1}}');
  const patch = createMergePatch({}, to);
  assert.equal(JSON.stringify(patch), '{"__proto__":{"x":1}}');
  assert.equal(Object.getPrototypeOf(patch), Object.prototype);
});
