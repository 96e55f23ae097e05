/**
 * What a failed start says, before the process exits 1: a sources file's
 * problems the way a compiler shows them (or one JSON record per problem,
 * each with its line and column), an expected refusal (configuration,
 * database, address, session key) in its own words, anything else with its stack.
 */
import { ConfigError } from "@/lib/config.ts";
import { StoreError } from "@/lib/store/mod.ts";
import type { RootLogger } from "@/lib/log.ts";
import {
  formatDiagnostics,
  locateDiagnostics,
  SourcesFileError,
} from "@/lib/sources/mod.ts";
import { SessionKeyError } from "@/lib/security/mod.ts";
import { ListenError } from "./listener.ts";

/** Options for {@linkcode reportStartFailure}. */
export interface StartFailureOptions {
  /** Where log records go. */
  log: RootLogger;
  /** `json`: one record per problem; `pretty`: a compiler-style report. */
  format: "json" | "pretty";
  /** Writes the pretty report (standard error). */
  writeError: (text: string) => void;
}

/** Says why the start failed (see the module text); never throws on a known error. */
export function reportStartFailure(
  error: unknown,
  options: StartFailureOptions,
): void {
  const { log, format, writeError } = options;
  if (error instanceof SourcesFileError && format === "json") {
    for (const d of locateDiagnostics(error)) {
      log.error("invalid sources file", { ...d });
    }
  } else if (error instanceof SourcesFileError) {
    writeError(formatDiagnostics(error));
  } else if (
    error instanceof ConfigError || error instanceof StoreError ||
    error instanceof ListenError || error instanceof SessionKeyError
  ) {
    log.error(error.message);
  } else log.error("start failed", { error });
}
