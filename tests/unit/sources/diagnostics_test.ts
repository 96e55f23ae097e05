import assert from "node:assert/strict";
import {
  formatDiagnostics,
  loadSourcesFile,
  locateDiagnostics,
  SourcesFileError,
} from "@/lib/sources/mod.ts";

/** Loads `text` as a sources file; the error it is refused with. */
async function refused(text: string): Promise<SourcesFileError> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/pulse.json`;
    await Deno.writeTextFile(file, text);
    const error = await loadSourcesFile(file, "USD").then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof SourcesFileError, String(error));
    return error;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const FIVE_MISTAKES = `{
  "title": "Acme P&L",
  "sources": [
    {
      "id": "shop",
      "kind": "webhook",
      "role": "expenses",
      "secretEnv": "SHOP_SECRET",
      "intervalMS": 5000
    },
    {
      "id": "claude",
      "kind": "anthropic-cost",
      "role": "expense",
      "keyEnv": "ANTHROPIC_ADMIN_KEY"
    },
    {
      "id": "stripe",
      "kind": "stripe",
      "role": "revenue",
      "keyEnv": "STRIPE_KEY",
      "timeoutMs": "fast"
    }
  ]
}
`;

Deno.test("a sources file with five mistakes gets five diagnostics at once, each with its line, column and a caret under the place", async () => {
  const error = await refused(FIVE_MISTAKES);
  const text = formatDiagnostics(error).replaceAll(error.file, "pulse.json");
  assert.equal(
    text,
    `pulse.json:7:15: error: source "shop" (sources[0]): sources[0].role: found the string "expenses", expected one of "revenue", "expense", "trading" (did you mean "expense"?)
    7 |       "role": "expenses",
      |               ^

pulse.json:9:7: error: source "shop" (sources[0]): sources[0]: unknown field "intervalMS" (did you mean "intervalMs"?); the accepted fields are "breaker", "cacheTtlMs", "currency", "fxRate", "id", "intervalMs", "kind", "label", "maxBodyBytes", "mode", "previousSecretEnv", "requestsPerSecond", "retry", "role", "secretEnv", "timeoutMs", "toleranceS"
    9 |       "intervalMS": 5000
      |       ^

pulse.json:13:15: error: source "claude" (sources[1]): sources[1].kind: found "anthropic-cost", expected one of "kalshi", "anthropic-costs", "stripe", "http-json", "webhook", "sql", "simulator" (did you mean "anthropic-costs"?)
   13 |       "kind": "anthropic-cost",
      |               ^

pulse.json:17:5: error: source "stripe" (sources[2]): sources[2]: missing field "since": Count transactions created at or after this instant
   17 |     {
      |     ^

pulse.json:22:20: error: source "stripe" (sources[2]): sources[2].timeoutMs: found the string "fast", expected an integer from 100 to 120000
   22 |       "timeoutMs": "fast"
      |                    ^

5 problems in pulse.json`,
  );
  assert.equal(error.diagnostics.length, 5);
  assert.match(error.message, /5 problems:\n- source "shop"/);
});

Deno.test("a JSON syntax error says where it is and what was expected there", async () => {
  const error = await refused('{\n  "sources": [\n    {"id": "a",}\n  ]\n}\n');
  const [d] = locateDiagnostics(error);
  assert.equal(d?.line, 3);
  assert.equal(d?.column, 16);
  assert.equal(
    formatDiagnostics(error).replaceAll(error.file, "pulse.json"),
    `pulse.json:3:16: error: not valid JSON: expected another key (no trailing comma in JSON) at line 3, column 16
   3 |     {"id": "a",}
     |                ^

1 problem in pulse.json`,
  );
});
