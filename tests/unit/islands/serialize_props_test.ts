import assert from "node:assert/strict";
import { serializeProps } from "@/lib/islands/mod.ts";

Deno.test("serializeProps() output cannot end a script element or open a comment", () => {
  const hostile = {
    a: "</script><script>alert(1)</script>",
    b: "<!-- <script>",
    c: "\u2028\u2029&amp;",
    "</script>": ">",
  };
  const text = serializeProps(hostile);
  assert.ok(!/[<>&\u2028\u2029]/.test(text), text);
  assert.ok(!text.toLowerCase().includes("</script"));
  assert.deepEqual(JSON.parse(text), hostile);
});

Deno.test("serializeProps() round-trips plain JSON exactly", () => {
  const props = {
    n: -1.5,
    big: Number.MAX_SAFE_INTEGER,
    s: "é😀",
    list: [1, null, { x: true }],
    empty: {},
  };
  assert.deepEqual(JSON.parse(serializeProps(props)), props);
});

Deno.test("serializeProps() refuses what is not plain JSON, naming the path", () => {
  assert.throws(() => serializeProps({ f: () => 1 }), /props\.f is a function/);
  assert.throws(() => serializeProps({ d: new Date(0) }), /props\.d is a Date/);
  assert.throws(() => serializeProps({ n: NaN }), /props\.n is NaN/);
  assert.throws(() => serializeProps({ b: 1n }), /props\.b is a bigint/);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.throws(() => serializeProps(cycle), /props\.self is a cycle/);
});
