/**
 * Where alerts are delivered, as the sources file declares it
 * (`channels`): a signed webhook, a Slack incoming webhook, or email
 * through SMTP. Secrets are read from the environment variables the file
 * names, never written in it.
 *
 * @module
 */
import { secretVariableProblem } from "../sources/mod.ts";
import {
  envName,
  type Fields,
  httpUrl,
  listOf,
  parseObject,
  SpecError,
  str,
} from "../spec/mod.ts";
import { RULE_FIELDS } from "./rule.ts";

/** One validated channel. */
export type ChannelSpec =
  | { id: string; kind: "webhook"; url: string; secret: string }
  | { id: string; kind: "slack"; url: string }
  | {
    id: string;
    kind: "email";
    /** `smtp://` (STARTTLS required) or `smtps://` (TLS from the start). */
    smtpUrl: string;
    from: string;
    to: string[];
    /** A private CA's certificate file (absolute path), when given. */
    caFile?: string;
    /** That file's PEM, once read by {@linkcode alertingOf}. */
    ca?: string;
  };

const emailAddress = str({
  pattern: /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/,
  maxLength: 254,
  words: "an email address such as ops@example.com",
});

const CHANNEL_ID = {
  type: RULE_FIELDS.id.type,
  description: "Unique id of the channel (what a rule's notify names)",
};

/** Each channel kind's fields. */
export const CHANNEL_KINDS = {
  webhook: {
    id: CHANNEL_ID,
    url: { type: httpUrl, description: "Where the signed JSON is POSTed" },
    secretEnv: {
      type: envName,
      description:
        "Environment variable holding the HMAC secret that signs each delivery (Pulse-Signature)",
    },
  },
  slack: {
    id: CHANNEL_ID,
    urlEnv: {
      type: envName,
      description:
        "Environment variable holding the Slack incoming-webhook URL (a secret)",
    },
  },
  email: {
    id: CHANNEL_ID,
    smtpUrlEnv: {
      type: envName,
      description:
        "Environment variable holding the SMTP server as smtp://user:password@host:587 (STARTTLS, required) or smtps://user:password@host:465 (TLS from the start)",
    },
    from: {
      type: emailAddress,
      description: "The From address",
    },
    to: {
      type: listOf(emailAddress, 20),
      description: "The recipients (1 to 20)",
    },
    caFile: {
      type: str({ maxLength: 500, words: "a file path" }),
      optional: true,
      description:
        "PEM file of a private CA that signs the SMTP server's certificate, relative to this file (public CAs are trusted already)",
    },
  },
} satisfies Record<string, Fields>;

/**
 * Validates one channel and reads its secrets.
 *
 * @param raw The channel as written.
 * @param path Where it is (`channels[0]`).
 * @param env Where the secrets are.
 * @returns The channel.
 * @throws {SpecError} For the first problem, located precisely.
 */
export function parseChannel(
  raw: unknown,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): ChannelSpec {
  const kind = (raw as { kind?: unknown })?.kind;
  if (typeof kind !== "string" || !Object.hasOwn(CHANNEL_KINDS, kind)) {
    throw new SpecError(
      `${path}.kind`,
      `${path}.kind: found ${
        JSON.stringify(kind) ?? "nothing"
      }, expected one of ${
        Object.keys(CHANNEL_KINDS).map((k) => `"${k}"`).join(", ")
      }`,
    );
  }
  const secret = (name: string, field: string) => {
    const problem = secretVariableProblem(name);
    if (problem) {
      throw new SpecError(`${path}.${field}`, `${path}.${field}: ${problem}`);
    }
    const value = env[name];
    if (value === undefined || value.trim() === "") {
      throw new SpecError(
        `${path}.${field}`,
        `${path}.${field}: the environment variable ${name} is not set (or empty); set it to the secret, or change ${path}.${field} to the variable that holds it`,
      );
    }
    return value;
  };
  return CHANNEL_PARSERS[kind as ChannelKind](raw, path, secret);
}

/** A channel kind's name. */
export type ChannelKind = keyof typeof CHANNEL_KINDS;

/** Reads a secret variable a channel names (see parseChannel). */
type SecretReader = (name: string, field: string) => string;

/**
 * Each kind's parser, one per entry of {@linkcode CHANNEL_KINDS}: a kind
 * declared there without a parser here does not compile, and a kind the
 * file names that is in neither is refused before any parser runs.
 */
const CHANNEL_PARSERS: {
  [K in ChannelKind]: (
    raw: unknown,
    path: string,
    secret: SecretReader,
  ) => ChannelSpec;
} = {
  webhook(raw, path, secret) {
    const c = parseObject(raw, CHANNEL_KINDS.webhook, path, ["kind"]);
    return {
      id: c.id,
      kind: "webhook",
      url: c.url,
      secret: secret(c.secretEnv, "secretEnv"),
    };
  },
  slack(raw, path, secret) {
    const c = parseObject(raw, CHANNEL_KINDS.slack, path, ["kind"]);
    const url = secret(c.urlEnv, "urlEnv");
    httpUrl.parse(url, `${path}.urlEnv (${c.urlEnv})`);
    return { id: c.id, kind: "slack", url };
  },
  email(raw, path, secret) {
    const c = parseObject(raw, CHANNEL_KINDS.email, path, ["kind"]);
    const smtpUrl = secret(c.smtpUrlEnv, "smtpUrlEnv");
    let url: URL | undefined;
    try {
      url = new URL(smtpUrl);
    } catch {
      url = undefined;
    }
    if (!url || !["smtp:", "smtps:"].includes(url.protocol) || !url.hostname) {
      throw new SpecError(
        `${path}.smtpUrlEnv`,
        `${path}.smtpUrlEnv: ${c.smtpUrlEnv} is not an SMTP URL; expected smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465`,
      );
    }
    if (c.to.length === 0) {
      throw new SpecError(
        `${path}.to`,
        `${path}.to: the list is empty; give at least one recipient`,
      );
    }
    return {
      id: c.id,
      kind: "email",
      smtpUrl,
      from: c.from,
      to: c.to,
      ...(c.caFile ? { caFile: c.caFile } : {}),
    };
  },
};
