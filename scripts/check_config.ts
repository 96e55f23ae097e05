// deno-lint-ignore-file no-console -- a command-line script: the terminal is its interface
/**
 * `deno task check-config [FILE]`: checks the configuration as the server
 * would at start, without starting it: the environment's settings, the
 * sources file (FILE, else PULSE_CONFIG), and what only shows when the
 * sources are built (secrets present, keys readable, SQL queries valid).
 * Unknown PULSE_* variables are warnings. Every check runs even when one
 * before it found problems (a setting that cannot be used is left at its
 * default, a source with mistakes is left out of the later checks), so
 * all the problems come in one run. Exit code 0 when it would start, 1
 * when it would not.
 */
import { type Config, ConfigError, parseConfig } from "@/lib/config.ts";
import { SqliteStore } from "@/lib/store/mod.ts";
import { loadBoard } from "@/lib/board.ts";
import {
  createSources,
  formatDiagnostics,
  mergeFileErrors,
  SourcesFileError,
  unboundedQueryWarning,
} from "@/lib/sources/mod.ts";
import { systemClock } from "@/lib/time/mod.ts";

const env = Deno.env.toObject();
if (Deno.args[0]) env.PULSE_CONFIG = Deno.args[0];

/**
 * The configuration, and every setting's problem: a setting that cannot
 * be used is left at its default so the sources file is still checked.
 */
function settings(): { config: Config; problems: ConfigError[] } {
  const problems: ConfigError[] = [];
  const usable = { ...env };
  for (let round = 0; round < 50; round++) {
    try {
      return { config: parseConfig(usable), problems };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      for (const p of error.problems) delete usable[p.variable];
    }
  }
  return { config: parseConfig({}), problems };
}

const { config, problems } = settings();
for (const problem of problems) console.error(`error: ${problem.message}`);
const fileProblems: SourcesFileError[] = [];
let board: Awaited<ReturnType<typeof loadBoard>> | undefined;
let file;
try {
  board = await loadBoard(config, { env });
  file = board.file;
} catch (error) {
  if (!(error instanceof SourcesFileError)) throw error;
  fileProblems.push(error);
  file = error.partial;
}
for (const unknown of board?.unknownVariables ?? []) {
  console.warn(`warning: ${unknown.message}`);
}
for (const { common, settings } of file?.entries ?? []) {
  const query = (settings as { query?: unknown }).query;
  const warning = common.kind === "sql" && typeof query === "string"
    ? unboundedQueryWarning(query)
    : undefined;
  if (warning) {
    console.warn(`warning: ${common.path}.query: the query ${warning}`);
  }
}
let declared: Awaited<ReturnType<typeof createSources>> = [];
if (file) {
  // Built even when the file has mistakes: its sound sources' secrets,
  // keys and queries are checked in the same run.
  using store = SqliteStore.open(":memory:");
  try {
    declared = await createSources(file, {
      clock: systemClock,
      env,
      ingest: store.ingest,
    });
  } catch (error) {
    if (!(error instanceof SourcesFileError)) throw error;
    fileProblems.push(error);
  }
  for (const { source } of declared) source[Symbol.dispose]?.();
}
if (fileProblems.length > 0) {
  console.error(formatDiagnostics(mergeFileErrors(fileProblems)));
}
if (problems.length > 0 || fileProblems.length > 0) {
  if (problems.length > 0 && fileProblems.length > 0) {
    const total = problems.length +
      mergeFileErrors(fileProblems).diagnostics.length;
    console.error(`${total} problems in all`);
  }
  Deno.exit(1);
}
const alerting = board!.alerting;
console.log(
  `ok: ${
    config.sourcesPath ? file!.file : "the built-in simulator"
  } declares ${declared.length} source${declared.length === 1 ? "" : "s"} (${
    declared.map(({ common }) => `${common.id}: ${common.kind}`).join(", ")
  }), reporting in ${file!.currency}${
    alerting.rules.length
      ? `, with ${alerting.rules.length} alert rule${
        alerting.rules.length === 1 ? "" : "s"
      } and ${alerting.channels.length} channel${
        alerting.channels.length === 1 ? "" : "s"
      }`
      : ""
  }`,
);
