/**
 * The alerting a sources file declares: its rules and channels validated
 * together (ids unique, every channel a rule names declared), a private
 * CA file read, and the JSON Schemas of both lists.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  type JsonSchema,
  objectSchema,
  type SourcesFile,
  SourcesFileError,
  SpecError,
} from "../sources/mod.ts";
import {
  CHANNEL_KINDS,
  type ChannelSpec,
  parseChannel,
} from "./channel_spec.ts";
import { type AlertRule, parseRule, RULE_FIELDS } from "./rule.ts";

/** Rules and channels, ready to run. */
export interface Alerting {
  rules: AlertRule[];
  channels: ChannelSpec[];
}

/**
 * Validates the `alerts` and `channels` of a sources file.
 *
 * @param alerts The file's `alerts` (absent: none).
 * @param channels The file's `channels` (absent: none).
 * @param options The board's currency, the declared source ids, and the
 *   environment where channel secrets are read.
 * @returns The rules and channels.
 * @throws {SpecError} For the first problem, located precisely.
 */
export function parseAlerting(
  alerts: readonly unknown[] | undefined,
  channels: readonly unknown[] | undefined,
  options: {
    currency: string;
    sourceIds: readonly string[];
    env: Readonly<Record<string, string | undefined>>;
  },
): Alerting {
  const parsedChannels = (channels ?? []).map((raw, i) =>
    parseChannel(raw, `channels[${i}]`, options.env)
  );
  unique(parsedChannels.map((c) => c.id), "channels");
  const channelIds = parsedChannels.map((c) => c.id);
  const rules = (alerts ?? []).map((raw, i) =>
    parseRule(raw, `alerts[${i}]`, { ...options, channelIds })
  );
  unique(rules.map((r) => r.id), "alerts");
  return { rules, channels: parsedChannels };
}

function unique(ids: string[], list: string): void {
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    const first = seen.get(id);
    if (first !== undefined) {
      throw new SpecError(
        `${list}[${i}].id`,
        `${list}[${i}].id: "${id}" is already the id of ${list}[${first}]; ids must be unique`,
      );
    }
    seen.set(id, i);
  });
}

/**
 * The alerting a sources file declares.
 *
 * @param file The validated sources file.
 * @param env Where channel secrets are read.
 * @returns The rules and channels (none when the file has no `alerts`).
 * @throws {SourcesFileError} Naming the rule or channel and the field.
 */
export async function alertingOf(
  file: SourcesFile,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Alerting> {
  try {
    const alerting = parseAlerting(file.alerts, file.channels, {
      currency: file.currency,
      sourceIds: file.entries.map((e) => e.common.id),
      env,
    });
    const channels = await Promise.all(
      alerting.channels.map(async (c, i) => {
        if (c.kind !== "email" || !c.caFile) return c;
        const path = resolve(dirname(file.file), c.caFile);
        try {
          return { ...c, caFile: path, ca: await readFile(path, "utf8") };
        } catch (cause) {
          throw new SpecError(
            `channels[${i}].caFile`,
            `channels[${i}].caFile: cannot read ${path}: ${
              (cause as Error).message
            }`,
          );
        }
      }),
    );
    return { ...alerting, channels };
  } catch (error) {
    if (error instanceof SpecError) {
      throw new SourcesFileError(file.file, error.message, { cause: error });
    }
    throw error;
  }
}

/** The JSON Schemas of `alerts` and `channels`, for the sources file's schema. */
export function alertingSchemas(): {
  alerts: JsonSchema;
  channels: JsonSchema;
} {
  return {
    alerts: {
      description:
        "Alert rules: a figure or source status, a condition, for how long, whom to notify",
      type: "array",
      maxItems: 200,
      items: objectSchema(RULE_FIELDS),
    },
    channels: {
      description:
        "Where alerts are delivered: signed webhooks, Slack and email",
      type: "array",
      maxItems: 50,
      items: {
        oneOf: Object.entries(CHANNEL_KINDS).map(([kind, fields]) =>
          objectSchema(fields, { kind: { const: kind } })
        ),
      },
    },
  };
}
