/**
 * `deno task alerts:test RULE_ID [FILE]` (either order; the file alone
 * lists its rules): sends a test notification
 * through each channel of one alert rule, as the server would send it,
 * and says how each went; exit 0 when every channel took it, 1 otherwise
 * (or for a bad file or an unknown rule). Nothing is enqueued or saved.
 */
// deno-lint-ignore-file no-console -- a command-line script
import { AlertService } from "@/lib/alerts/mod.ts";
import { loadBoard } from "@/lib/board.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { ConfigError, parseConfig } from "@/lib/config.ts";
import { SourcesFileError } from "@/lib/sources/mod.ts";
import { systemClock, systemRandom } from "@/lib/time/mod.ts";

// Either order: an argument that names a file is the sources file (the
// file alone used to be taken for a rule id).
const isFile = (arg: string) => {
  try {
    return Deno.statSync(arg).isFile;
  } catch {
    return false;
  }
};
const path = Deno.args.find(isFile);
const ruleId = Deno.args.find((arg) => arg !== path);
if (Deno.args.length > 2 || (Deno.args.length === 2 && !path)) {
  console.error(
    "usage: deno task alerts:test RULE_ID [SOURCES_FILE] (the file must exist)",
  );
  Deno.exit(1);
}
const env = Deno.env.toObject();
if (path) env.PULSE_CONFIG = path;

try {
  const config = parseConfig(env);
  const { file, alerting } = await loadBoard(config, { env });
  if (!ruleId) {
    console.error(
      `usage: deno task alerts:test RULE_ID [SOURCES_FILE]; the rules${
        path ? ` in ${path}` : ""
      } are ${alerting.rules.map((r) => `"${r.id}"`).join(", ") || "none"}${
        alerting.digests?.length
          ? `, the digests ${
            alerting.digests.map((d) => `"${d.id}"`).join(", ")
          }`
          : ""
      }`,
    );
    Deno.exit(1);
  }
  using store = SqliteStore.open(":memory:");
  const alerts = new AlertService({
    alerting,
    currency: file.currency,
    board: file.title ?? "Pulseboard",
    store: store.alerts,
    clock: systemClock,
    random: systemRandom,
  });
  let results;
  try {
    results = await alerts.sendTest(ruleId);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
  if (results.length === 0) {
    console.error(
      `alert rule "${ruleId}" notifies no channel (its notify list is empty): nothing to test`,
    );
    Deno.exit(1);
  }
  for (const r of results) {
    console.log(r.ok ? `ok: ${r.channel} took it` : `failed: ${r.error}`);
  }
  Deno.exit(results.every((r) => r.ok) ? 0 : 1);
} catch (error) {
  if (error instanceof ConfigError || error instanceof SourcesFileError) {
    console.error(error.message);
    Deno.exit(1);
  }
  throw error;
}
