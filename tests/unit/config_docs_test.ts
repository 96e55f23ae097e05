import assert from "node:assert/strict";
import { parseConfig, SETTINGS } from "@/lib/config.ts";
import { documentedRows, settingsRows } from "../../scripts/settings_table.ts";

Deno.test("docs/configuration.md lists every setting exactly as lib/config.ts declares it", async () => {
  const markdown = await Deno.readTextFile(
    new URL("../../docs/configuration.md", import.meta.url),
  );
  assert.deepEqual(
    documentedRows(markdown),
    settingsRows(),
    "docs/configuration.md is stale: run `deno task docs`",
  );
});

Deno.test("each setting has its own variable and its own field, and parseConfig fills every field", () => {
  const variables = SETTINGS.map((s) => s.variable);
  const keys = SETTINGS.map((s) => s.key);
  assert.equal(new Set(variables).size, variables.length);
  assert.equal(new Set(keys).size, keys.length);
  assert.deepEqual(
    Object.keys(parseConfig({})).sort(),
    [...keys].sort(),
  );
});

Deno.test("every PULSE_ variable named in the docs and the README is a declared setting", async () => {
  const declared = new Set(SETTINGS.map((s) => s.variable));
  const root = new URL("../../", import.meta.url);
  const files = ["README.md"];
  for await (const entry of Deno.readDir(new URL("docs/", root))) {
    if (entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  const unknown = new Set<string>();
  for (const file of files) {
    const text = await Deno.readTextFile(new URL(file, root));
    for (const [name] of text.matchAll(/\bPULSE_[A-Z0-9_]+[A-Z0-9]\b/g)) {
      if (!declared.has(name)) unknown.add(`${file}: ${name}`);
    }
  }
  assert.deepEqual([...unknown], []);
});
