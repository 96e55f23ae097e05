import assert from "node:assert/strict";
import {
  ALERT_FIELDS_BEGIN,
  ALERT_FIELDS_END,
  alertFieldsMarkdown,
  documentedFields,
  expectedFields,
} from "../../scripts/kind_fields.ts";

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

Deno.test("docs/alerts.md lists every field of a rule and of each channel kind exactly as the declarations give them", async () => {
  const markdown = await Deno.readTextFile(
    new URL("../../docs/alerts.md", import.meta.url),
  );
  const documented = documentedFields(
    markdown,
    ALERT_FIELDS_BEGIN,
    ALERT_FIELDS_END,
  );
  assert.ok(documented.includes("### Rule fields"));
  assert.ok(documented.includes("`repeatMs`"));
  assert.equal(
    documented,
    expectedFields(alertFieldsMarkdown()),
    "docs/alerts.md is stale: run `deno task docs`",
  );
});
