import assert from "node:assert/strict";
import { documentedFields, expectedFields } from "../../scripts/kind_fields.ts";

Deno.test("docs/sources.md lists every field of every kind exactly as the declarations give them", async () => {
  const markdown = await Deno.readTextFile(
    new URL("../../docs/sources.md", import.meta.url),
  );
  const documented = documentedFields(markdown);
  assert.ok(documented.includes("### `stripe` fields"));
  assert.ok(documented.includes("`webhookSecretEnv`"));
  assert.equal(
    documented,
    expectedFields(),
    "docs/sources.md is stale: run `deno task docs`",
  );
});
