// deno-lint-ignore-file no-console -- a command-line script: the terminal is its interface
/**
 * `deno task check-config [FILE]`: checks the configuration as the server
 * would at start, without starting it: the environment's settings, the
 * sources file (FILE, else PULSE_CONFIG), and what only shows when the
 * sources are built (secrets present, keys readable, SQL queries valid).
 * Unknown PULSE_* variables are warnings. Exit code 0 when it would
 * start, 1 when it would not.
 */
import { ConfigError, parseConfig } from "@/lib/config.ts";
import { SqliteStore } from "@/lib/cache/mod.ts";
import { loadBoard } from "@/lib/board.ts";
import {
  createSources,
  formatDiagnostics,
  SourcesFileError,
} from "@/lib/sources/mod.ts";
import { systemClock } from "@/lib/time/mod.ts";

const env = Deno.env.toObject();
if (Deno.args[0]) env.PULSE_CONFIG = Deno.args[0];

try {
  const config = parseConfig(env);
  const { file, alerting, unknownVariables } = await loadBoard(config, { env });
  for (const unknown of unknownVariables) {
    console.warn(`warning: ${unknown.message}`);
  }
  using store = SqliteStore.open(":memory:");
  const declared = await createSources(file, {
    clock: systemClock,
    env,
    ingest: store.ingest,
  });
  for (const { source } of declared) source[Symbol.dispose]?.();
  console.log(
    `ok: ${
      config.sourcesPath ? file.file : "the built-in simulator"
    } declares ${declared.length} source${declared.length === 1 ? "" : "s"} (${
      declared.map(({ common }) => `${common.id}: ${common.kind}`).join(", ")
    }), reporting in ${file.currency}${
      alerting.rules.length
        ? `, with ${alerting.rules.length} alert rule${
          alerting.rules.length === 1 ? "" : "s"
        } and ${alerting.channels.length} channel${
          alerting.channels.length === 1 ? "" : "s"
        }`
        : ""
    }`,
  );
} catch (error) {
  if (error instanceof SourcesFileError) {
    console.error(formatDiagnostics(error));
    Deno.exit(1);
  }
  if (error instanceof ConfigError) {
    console.error(error.message);
    Deno.exit(1);
  }
  throw error;
}
