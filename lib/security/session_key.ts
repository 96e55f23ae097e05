/**
 * The key that signs sessions, tickets and viewer links when
 * `PULSE_SESSION_SECRET` is not set: generated once and kept, so a restart
 * does not sign every browser and every wall screen out. With Redis the
 * whole cluster keeps one key there; otherwise it is a file beside the
 * database (mode 0600), which the workers of one machine share. Only an
 * in-memory database (or a disk that cannot be written) falls back to a
 * key per start, and says so.
 *
 * @module
 */
import {
  chmodSync,
  linkSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";

/** Where the key came from, for the start's log. */
export type SessionKeySource =
  | { kind: "setting" }
  | { kind: "shared" }
  | { kind: "file"; path: string }
  | { kind: "per-start"; reason: string };

/** A signing key and where it is kept. */
export interface SessionKey {
  /** The key: 64 hex characters, or `PULSE_SESSION_SECRET` as given. */
  key: string;
  /** Where it came from. */
  source: SessionKeySource;
}

/** A kept key that cannot be used, with what to do. */
export class SessionKeyError extends Error {
  /** The file at fault. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SessionKeyError";
    this.path = path;
  }
}

/** Options for {@linkcode keptSessionKey}. */
export interface SessionKeyOptions {
  /** `PULSE_SESSION_SECRET`, when set: used as it is. */
  configured?: string;
  /** The file the key is kept in; none for an in-memory database. */
  file?: string;
  /**
   * Keeps one key for the whole cluster (Redis): stores `candidate` unless
   * a key is there already, and answers the kept key.
   */
  shared?: (candidate: string) => Promise<string>;
  /** Makes a fresh key: 32 random bytes as 64 hex characters. */
  generate: () => string;
  /** Told when the shared store failed and the file was used instead. */
  onSharedFailed?: (error: unknown) => void;
}

const KEY = /^[0-9a-f]{64}$/;

/**
 * The signing key: the setting, else the cluster's, else the file's
 * (made on first use), else one for this start alone.
 *
 * @param options Where to look, and how to make a key.
 * @returns The key and where it is kept.
 * @throws {SessionKeyError} When the kept file holds something that is
 *   not a key (the message says how to make a new one).
 *
 * @example Kept in a file: the same key on the next start
 * ```ts
 * import assert from "node:assert/strict";
 * import { keptSessionKey } from "@/lib/security/session_key.ts";
 * const dir = Deno.makeTempDirSync();
 * const generate = () => crypto.randomUUID().replaceAll("-", "").repeat(2);
 * const first = await keptSessionKey({ file: `${dir}/k`, generate });
 * const second = await keptSessionKey({ file: `${dir}/k`, generate });
 * assert.equal(second.key, first.key);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function keptSessionKey(
  options: SessionKeyOptions,
): Promise<SessionKey> {
  const { configured, file, shared, generate } = options;
  if (configured !== undefined) {
    return { key: configured, source: { kind: "setting" } };
  }
  if (shared) {
    try {
      return { key: await shared(generate()), source: { kind: "shared" } };
    } catch (error) {
      // Redis down at start: this instance uses its own kept key.
      options.onSharedFailed?.(error);
    }
  }
  if (file === undefined) {
    return {
      key: generate(),
      source: { kind: "per-start", reason: "the database is in memory" },
    };
  }
  try {
    return {
      key: fileKey(file, generate),
      source: { kind: "file", path: file },
    };
  } catch (error) {
    if (error instanceof SessionKeyError) throw error;
    return {
      key: generate(),
      source: {
        kind: "per-start",
        reason: `${file} could not be written (${(error as Error).message})`,
      },
    };
  }
}

/** Reads the kept key, or keeps a new one (atomically: workers race). */
function fileKey(file: string, generate: () => string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = readKey(file);
    if (existing !== undefined) return existing;
    // Written whole under another name, then linked: a sibling reads the
    // whole key or none, and the first link wins.
    const temporary = `${file}.${crypto.randomUUID()}.tmp`;
    writeFileSync(temporary, `${generate()}\n`, { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    } finally {
      unlinkSync(temporary);
    }
  }
  return readKey(file)!;
}

function readKey(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
  if (!KEY.test(text)) {
    throw new SessionKeyError(
      file,
      `the session key in ${file} is not 64 hex characters; delete the file to make a new one (every browser and viewer link signs in again) or set PULSE_SESSION_SECRET`,
    );
  }
  // Only this user reads it: a key others can read signs sessions for them.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return text;
}
