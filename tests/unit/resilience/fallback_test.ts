import assert from "node:assert/strict";
import { firstAvailable } from "@/lib/resilience/mod.ts";

Deno.test("firstAvailable() tags the value with the best step that produced one, and says why the others did not", async () => {
  assert.deepEqual(
    await firstAvailable([{ how: "complete", get: () => 1 }], 0),
    { value: 1, how: "complete", failures: [] },
  );
  assert.deepEqual(
    await firstAvailable([
      { how: "complete", get: () => Promise.reject(new Error("timed out")) },
      { how: "partial", get: () => undefined },
      { how: "cached", get: () => Promise.resolve(7) },
    ], 0),
    {
      value: 7,
      how: "cached",
      failures: ["complete: timed out", "partial: nothing available"],
    },
  );
  assert.deepEqual(
    await firstAvailable([{
      how: "cached",
      get: () => {
        throw new Error("db locked");
      },
    }], -1),
    { value: -1, how: "default", failures: ["cached: db locked"] },
  );
});
