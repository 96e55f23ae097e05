import assert from "node:assert/strict";
import { changeTone, changeWords } from "@/islands/parts/period_view.ts";

Deno.test("changeWords() says the change with the previous amount beside it, and changeTone() colours it as good or bad news for that figure", () => {
  const usd = (minor: number) => `$${(minor / 100).toFixed(2)}`;
  assert.equal(
    changeWords(11_200, 10_000, "today", usd),
    "+12 % vs yesterday at this time ($100.00)",
  );
  assert.equal(
    changeWords(9_000, 10_000, "mtd"),
    "−10 % vs last month at this point",
  );
  assert.equal(
    changeWords(500, 0, "today", usd),
    "nothing yesterday at this time",
  );
  // More revenue is good; more expenses is bad; no change is neither.
  assert.equal(changeTone(11_200, 10_000, true), "good");
  assert.equal(changeTone(11_200, 10_000, false), "bad");
  assert.equal(changeTone(9_000, 10_000, false), "good");
  assert.equal(changeTone(10_000, 10_000, true), "flat");
  assert.equal(changeTone(10_000, undefined, true), "flat");
});
