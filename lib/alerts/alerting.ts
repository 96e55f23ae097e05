/**
 * The alerting a sources file declares: its rules and channels validated
 * together (ids unique, every channel a rule names declared), a private
 * CA file read, and the JSON Schemas of both lists.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type SourcesFile, specErrorsToFileError } from "../sources/mod.ts";
import {
  collectErrors,
  type JsonSchema,
  objectSchema,
  SpecError,
  SpecErrors,
  throwCollected,
} from "../spec/mod.ts";
import {
  CHANNEL_KINDS,
  type ChannelSpec,
  parseChannel,
} from "./channel_spec.ts";
import { type AlertRule, parseRule, RULE_FIELDS } from "./rule.ts";
import {
  DIGEST_FIELDS,
  type DigestSpec,
  parseDigest,
  type Weekday,
} from "./digest_spec.ts";

/** Rules, digests and channels, ready to run. */
export interface Alerting {
  rules: AlertRule[];
  channels: ChannelSpec[];
  /** Scheduled summaries. @default {[]} */
  digests?: DigestSpec[];
}

/**
 * Validates the `alerts` and `channels` (and `digests`) of a sources file.
 *
 * @param alerts The file's `alerts` (absent: none).
 * @param channels The file's `channels` (absent: none).
 * @param options The board's currency, the declared source ids, the
 *   environment where channel secrets are read, the file's `digests` and
 *   the board's first day of the week.
 * @returns The rules and channels.
 * @throws {SpecError} For a problem, or {@linkcode SpecErrors} for each
 *   of several, located precisely.
 */
export function parseAlerting(
  alerts: readonly unknown[] | undefined,
  channels: readonly unknown[] | undefined,
  options: {
    currency: string;
    sourceIds: readonly string[];
    env: Readonly<Record<string, string | undefined>>;
    digests?: readonly unknown[];
    weekStart?: Weekday;
  },
): Alerting {
  // Every problem at once; a channel with a mistake still counts as
  // declared, so its rules are not reported twice.
  const errors: SpecError[] = [];
  const parsedChannels = (channels ?? []).map((raw, i) =>
    collectErrors(
      errors,
      () => parseChannel(raw, `channels[${i}]`, options.env),
    )
  );
  const channelIds = (channels ?? []).map((raw) =>
    String((raw as { id?: unknown })?.id)
  );
  collectErrors(errors, () => unique(channelIds, "channels"));
  const rules = (alerts ?? []).map((raw, i) =>
    collectErrors(
      errors,
      () => parseRule(raw, `alerts[${i}]`, { ...options, channelIds }),
    )
  );
  collectErrors(errors, () =>
    unique(
      (alerts ?? []).map((raw) => String((raw as { id?: unknown })?.id)),
      "alerts",
    ));
  const digests = (options.digests ?? []).map((raw, i) =>
    collectErrors(
      errors,
      () =>
        parseDigest(raw, `digests[${i}]`, {
          channelIds,
          ...(options.weekStart ? { weekStart: options.weekStart } : {}),
        }),
    )
  );
  collectErrors(errors, () =>
    unique(
      (options.digests ?? []).map((raw) =>
        String((raw as { id?: unknown })?.id)
      ),
      "digests",
    ));
  throwCollected(errors);
  return {
    rules: rules as AlertRule[],
    channels: parsedChannels as ChannelSpec[],
    digests: digests as DigestSpec[],
  };
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
 * @param weekStart The board's first day of the week (a weekly digest's
 *   day when it names none).
 * @returns The rules, digests and channels (none when the file has none).
 * @throws {SourcesFileError} Naming the rule or channel and the field.
 */
export async function alertingOf(
  file: SourcesFile,
  env: Readonly<Record<string, string | undefined>>,
  weekStart?: Weekday,
): Promise<Alerting> {
  try {
    const alerting = parseAlerting(file.alerts, file.channels, {
      currency: file.currency,
      sourceIds: file.declaredIds ?? file.entries.map((e) => e.common.id),
      env,
      ...(file.digests ? { digests: file.digests } : {}),
      ...(weekStart ? { weekStart } : {}),
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
    const errors = error instanceof SpecErrors
      ? error.errors
      : error instanceof SpecError
      ? [error]
      : undefined;
    if (!errors) throw error;
    const fileError = specErrorsToFileError(file.file, errors);
    if (file.text !== undefined) fileError.text = file.text;
    throw fileError;
  }
}

/**
 * The JSON Schemas of `alerts`, `channels` and `digests`, for the sources
 * file's schema.
 */
export function alertingSchemas(): {
  alerts: JsonSchema;
  channels: JsonSchema;
  digests: JsonSchema;
} {
  return {
    digests: {
      description:
        "Scheduled summaries of the board (daily or weekly), sent over channels",
      type: "array",
      maxItems: 20,
      items: objectSchema(DIGEST_FIELDS),
    },
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
