/**
 * Which environment variables a sources file may take a secret from: not
 * the server's own settings, and not what the system sets.
 *
 * @module
 */

/** Variables the system sets: never anyone's secret. */
const SYSTEM_VARIABLES = new Set([
  "HOME",
  "PATH",
  "PWD",
  "OLDPWD",
  "USER",
  "LOGNAME",
  "SHELL",
  "SHLVL",
  "TERM",
  "LANG",
  "LC_ALL",
  "HOSTNAME",
  "TMPDIR",
  "TEMP",
  "TMP",
  "NO_COLOR",
  "DENO_DIR",
  "DENO_DEPLOYMENT_ID",
]);

/**
 * Why an environment variable may not hold a secret the sources file
 * hands on (to an upstream in a header, or to check a sender's
 * signature), or undefined when it may: the server's own settings
 * (`PULSE_*`, `REDIS_URL`: a file must not send the session secret or the
 * tokens anywhere) and variables the system sets (`HOME` is no secret).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { secretVariableProblem } from "@/lib/sources/secret_variables.ts";
 * assert.equal(secretVariableProblem("STRIPE_SECRET_KEY"), undefined);
 * assert.match(secretVariableProblem("PULSE_TOKENS") ?? "", /server's own settings/);
 * assert.match(secretVariableProblem("HOME") ?? "", /set by the system/);
 * ```
 */
export function secretVariableProblem(name: string): string | undefined {
  if (name.startsWith("PULSE_") || name === "REDIS_URL") {
    return `${name} is one of the server's own settings, never a secret to hand to an upstream or to check a sender with; give the secret its own variable`;
  }
  if (SYSTEM_VARIABLES.has(name) || name.startsWith("XDG_")) {
    return `${name} is set by the system and is no secret; give the secret its own variable`;
  }
  return undefined;
}
