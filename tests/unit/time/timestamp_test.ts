import assert from "node:assert/strict";
import {
  type NormalizeOptions,
  normalizeTimestamp,
  TimestampError,
} from "@/lib/time/mod.ts";

const NY: NormalizeOptions = { timeZone: "America/New_York" };
const LONDON: NormalizeOptions = { timeZone: "Europe/London" };

const TABLE: [string, unknown, NormalizeOptions, string][] = [
  [
    "Date",
    new Date(Date.UTC(2026, 10, 28, 13, 0, 0, 123)),
    {},
    "2026-11-28T13:00:00.123Z",
  ],
  ["ISO with Z", "2026-11-28T13:00:00Z", {}, "2026-11-28T13:00:00.000Z"],
  [
    "ISO with lower-case z and a space",
    "2026-11-28 13:00:00z",
    {},
    "2026-11-28T13:00:00.000Z",
  ],
  [
    "ISO with a negative offset",
    "2026-11-28T08:00:00-05:00",
    {},
    "2026-11-28T13:00:00.000Z",
  ],
  [
    "ISO with a half-hour offset",
    "2026-11-28T18:30:00+05:30",
    {},
    "2026-11-28T13:00:00.000Z",
  ],
  [
    "ISO with a compact offset",
    "2026-11-28T14:00:00+0100",
    {},
    "2026-11-28T13:00:00.000Z",
  ],
  [
    "RFC 3339 with microseconds (truncated)",
    "2026-11-28T13:00:00.123999Z",
    {},
    "2026-11-28T13:00:00.123Z",
  ],
  [
    "RFC 3339 with nanoseconds",
    "2026-11-28T13:00:00.000000001+00:00",
    {},
    "2026-11-28T13:00:00.000Z",
  ],
  ["date only, UTC", "2026-11-28Z", {}, "2026-11-28T00:00:00.000Z"],
  [
    "epoch seconds",
    1_764_334_800,
    { epochUnit: "s" },
    "2025-11-28T13:00:00.000Z",
  ],
  [
    "epoch seconds with a fraction",
    1_764_334_800.5,
    { epochUnit: "s" },
    "2025-11-28T13:00:00.500Z",
  ],
  [
    "epoch milliseconds",
    1_764_334_800_123,
    { epochUnit: "ms" },
    "2025-11-28T13:00:00.123Z",
  ],
  [
    "zone-less in New York, winter",
    "2026-01-15T09:00:00",
    NY,
    "2026-01-15T14:00:00.000Z",
  ],
  [
    "zone-less in New York, summer",
    "2026-07-15T09:00:00",
    NY,
    "2026-07-15T13:00:00.000Z",
  ],
  // New York springs forward 2026-03-08 02:00 -> 03:00.
  [
    "NY: just before the skipped hour",
    "2026-03-08T01:59:59",
    NY,
    "2026-03-08T06:59:59.000Z",
  ],
  [
    "NY: in the skipped hour (compatible: moved forward)",
    "2026-03-08T02:30:00",
    NY,
    "2026-03-08T07:30:00.000Z",
  ],
  ["NY: skipped hour, earlier", "2026-03-08T02:30:00", {
    ...NY,
    disambiguation: "earlier",
  }, "2026-03-08T06:30:00.000Z"],
  [
    "NY: just after the skipped hour",
    "2026-03-08T03:00:00",
    NY,
    "2026-03-08T07:00:00.000Z",
  ],
  // New York falls back 2026-11-01 02:00 -> 01:00: 01:30 happens twice.
  [
    "NY: repeated hour (compatible: the first, EDT)",
    "2026-11-01T01:30:00",
    NY,
    "2026-11-01T05:30:00.000Z",
  ],
  ["NY: repeated hour, later (EST)", "2026-11-01T01:30:00", {
    ...NY,
    disambiguation: "later",
  }, "2026-11-01T06:30:00.000Z"],
  [
    "NY: after the repeated hour",
    "2026-11-01T02:00:00",
    NY,
    "2026-11-01T07:00:00.000Z",
  ],
  // London springs forward 2026-03-29 01:00 -> 02:00 and falls back 2026-10-25 02:00 -> 01:00.
  [
    "London: in the skipped hour",
    "2026-03-29T01:30:00",
    LONDON,
    "2026-03-29T01:30:00.000Z",
  ],
  [
    "London: after the skipped hour",
    "2026-03-29T02:30:00",
    LONDON,
    "2026-03-29T01:30:00.000Z",
  ],
  [
    "London: repeated hour (the first, BST)",
    "2026-10-25T01:30:00",
    LONDON,
    "2026-10-25T00:30:00.000Z",
  ],
  ["London: repeated hour, later (GMT)", "2026-10-25T01:30:00", {
    ...LONDON,
    disambiguation: "later",
  }, "2026-10-25T01:30:00.000Z"],
  [
    "London: winter",
    "2026-12-01T12:00:00.250",
    LONDON,
    "2026-12-01T12:00:00.250Z",
  ],
  [
    "an offset wins over the timeZone option",
    "2026-07-15T09:00:00+00:00",
    NY,
    "2026-07-15T09:00:00.000Z",
  ],
];

Deno.test("normalizeTimestamp() converts every accepted input kind, including DST edges in two zones", () => {
  for (const [name, input, options, expected] of TABLE) {
    assert.equal(normalizeTimestamp(input, options), expected, name);
  }
});

const BAD: [string, unknown, NormalizeOptions, RegExp][] = [
  [
    "a number without a unit",
    1_764_334_800,
    {},
    /needs epochUnit 's' or 'ms' \(the unit is never guessed\)/,
  ],
  [
    "garbage",
    "yesterday",
    {},
    /Cannot read timestamp "yesterday"; accepted: a Date/,
  ],
  ["an invalid Date", new Date(NaN), {}, /the Date is invalid/],
  ["February 30th", "2026-02-30T00:00:00Z", {}, /no such date or time/],
  ["hour 24", "2026-02-10T24:00:00Z", {}, /no such date or time/],
  [
    "an offset out of range",
    "2026-02-10T10:00:00+25:00",
    {},
    /offset \+25:00 is out of range/,
  ],
  [
    "zone-less without a zone",
    "2026-02-10T10:00:00",
    {},
    /a timeZone option .* is required/,
  ],
  [
    "an unknown zone",
    "2026-02-10T10:00:00",
    { timeZone: "Mars/Olympus" },
    /unknown time zone "Mars\/Olympus"/,
  ],
  ["a skipped time with reject", "2026-03-08T02:30:00", {
    ...NY,
    disambiguation: "reject",
  }, /does not exist in America\/New_York/],
  ["a repeated time with reject", "2026-11-01T01:30:00", {
    ...NY,
    disambiguation: "reject",
  }, /happens twice in America\/New_York/],
  ["an epoch out of range", 1e20, { epochUnit: "ms" }, /out of range/],
  ["NaN", NaN, { epochUnit: "s" }, /out of range/],
  ["an object", { when: "now" }, {}, /of type object/],
];

Deno.test("normalizeTimestamp() throws TimestampError naming the value and what is accepted, never Invalid Date", () => {
  for (const [name, input, options, message] of BAD) {
    assert.throws(
      () => normalizeTimestamp(input, options),
      (e) =>
        e instanceof TimestampError && message.test(e.message) &&
        Object.is(e.value, input),
      name,
    );
  }
});
