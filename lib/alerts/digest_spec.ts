/**
 * A digest as the sources file declares it (`digests`): a daily or weekly
 * summary of the board sent at a local time over alert channels,
 * validated with the same field machinery as rules (every error names its
 * place, what was found and what is accepted).
 *
 * @module
 */
import {
  type Fields,
  int,
  listOf,
  oneOf,
  parseObject,
  SpecError,
  str,
} from "../spec/mod.ts";
import { checkNotify } from "./rule.ts";

/** The days of the week, Monday first (as `dayOfWeek` counts, 1-7). */
export const WEEKDAYS = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
] as const;
/** A day of the week. */
export type Weekday = typeof WEEKDAYS[number];

/** One validated digest. */
export interface DigestSpec {
  id: string;
  /** `day`: yesterday's figures; `week`: last full week's. */
  every: "day" | "week";
  /** The local time it is sent at, in the board's zone. */
  hour: number;
  minute: number;
  /** For a weekly digest: the day it is sent on. */
  on?: Weekday;
  /** Channel ids. */
  notify: string[];
  /** How many sources to list as the top movers. */
  movers: number;
}

/** The fields of one digest in `digests`. */
export const DIGEST_FIELDS = {
  id: {
    type: str({
      pattern: /^[a-z0-9][a-z0-9_-]{0,62}$/,
      words: "an id of lowercase letters, digits, - and _",
    }),
    description:
      "Unique id of the digest (in its idempotency key and the console)",
  },
  every: {
    type: oneOf(["day", "week"] as const),
    default: "day" as "day" | "week",
    description:
      "day: yesterday's figures against the day before; week: the last full week's against the week before",
  },
  at: {
    type: str({
      pattern: /^([01]\d|2[0-3]):[0-5]\d$/,
      words: 'a local time HH:MM such as "08:00"',
      maxLength: 5,
    }),
    default: "08:00",
    description: "The local time it is sent at, in the board's time zone",
  },
  on: {
    type: oneOf(WEEKDAYS),
    optional: true,
    description:
      "For every: week, the day it is sent on; the first day of the board's week when absent",
  },
  notify: {
    type: listOf(str({ maxLength: 64, words: "a channel id" }), 10),
    description: "Channels to send it to (ids from channels), at least one",
  },
  movers: {
    type: int(0, 20),
    default: 5,
    description:
      "How many sources to list as the top movers (largest change first)",
  },
} satisfies Fields;

/**
 * Validates one digest.
 *
 * @param raw The digest as written.
 * @param path Where it is (`digests[0]`).
 * @param options The channel ids, and the board's first day of the week.
 * @returns The digest.
 * @throws {SpecError} For the first problem, located precisely.
 */
export function parseDigest(
  raw: unknown,
  path: string,
  options: { channelIds: readonly string[]; weekStart?: Weekday },
): DigestSpec {
  const d = parseObject(raw, DIGEST_FIELDS, path);
  const at = `${path} ("${d.id}")`;
  if (d.notify.length === 0) {
    throw new SpecError(
      `${path}.notify`,
      `${at}.notify: the list is empty; name at least one channel to send the digest to`,
    );
  }
  checkNotify(d.notify, path, at, options.channelIds);
  if (d.on !== undefined && d.every !== "week") {
    throw new SpecError(
      `${path}.on`,
      `${at}.on: a daily digest is sent every day; give "on" only with "every": "week"`,
    );
  }
  const [hour, minute] = d.at.split(":").map(Number) as [number, number];
  return {
    id: d.id,
    every: d.every,
    hour,
    minute,
    ...(d.every === "week"
      ? { on: d.on ?? options.weekStart ?? "monday" }
      : {}),
    notify: d.notify,
    movers: d.movers,
  };
}
