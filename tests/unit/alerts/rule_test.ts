import assert from "node:assert/strict";
import { parseAlerting } from "@/lib/alerts/alerting.ts";
import { SpecError } from "@/lib/spec/mod.ts";

const options = {
  currency: "USD",
  sourceIds: ["stripe", "claude"],
  env: { HOOK_SECRET: "s3cret", SLACK_URL: "https://hooks.slack.com/x" },
};
const channels = [
  {
    id: "ops",
    kind: "webhook",
    url: "https://ops.example/h",
    secretEnv: "HOOK_SECRET",
  },
  { id: "chat", kind: "slack", urlEnv: "SLACK_URL" },
];

/** The message for one bad rule (or channel list). */
function refused(rule: unknown, withChannels: unknown[] = channels): string {
  try {
    parseAlerting([rule], withChannels, options);
  } catch (error) {
    assert.ok(error instanceof SpecError);
    return error.message;
  }
  assert.fail("accepted");
}

Deno.test("alert rules: thresholds in major units become exact minor units; defaults are filled in", () => {
  const { rules } = parseAlerting(
    [
      { id: "net-low", figure: "net", below: "-500.25", notify: ["ops"] },
      { id: "band", source: "stripe", above: 1000, below: 10, period: "mtd" },
    ],
    channels,
    options,
  );
  assert.deepEqual(rules[0], {
    id: "net-low",
    figure: "net",
    period: "today",
    condition: { kind: "threshold", belowMinor: -50_025 },
    forMs: 0,
    repeatMs: 14_400_000,
    severity: "warning",
    notify: ["ops"],
  });
  assert.deepEqual(rules[1]!.condition, {
    kind: "threshold",
    aboveMinor: 100_000,
    belowMinor: 1_000,
  });
});

Deno.test("alert rules: every mistake is refused with its place, what was found and what is accepted", () => {
  assert.match(
    refused({ id: "a", figure: "net", below: 1, forMS: 5 }),
    /alerts\[0\]: unknown field "forMS" \(did you mean "forMs"\?\)/,
  );
  assert.match(
    refused({ id: "a", figure: "net", source: "stripe", below: 1 }),
    /alerts\[0\] \("a"\): give either "figure" .* or "source" .*, not both/,
  );
  assert.match(
    refused({ id: "a", source: "strip", below: 1 }),
    /alerts\[0\] \("a"\)\.source: no source has the id "strip"; the sources are "stripe", "claude"/,
  );
  assert.match(
    refused({ id: "a", figure: "net", below: 1, notify: ["pager"] }),
    /alerts\[0\] \("a"\)\.notify\[0\]: no channel has the id "pager"; the channels are "ops", "chat"/,
  );
  assert.match(
    refused({
      id: "a",
      figure: "net",
      below: 1,
      change: { windowMs: 60_000, above: 1 },
    }),
    /give one condition: .*; found above\/below and change/,
  );
  assert.match(
    refused({ id: "a", figure: "net", status: ["stale"] }),
    /a status condition watches a source; add "source"/,
  );
  assert.match(
    refused({ id: "a", figure: "expenses", above: "12.345" }),
    /alerts\[0\] \("a"\)\.above: .*12\.345/,
  );
  assert.match(
    refused({ id: "a", figure: "net", above: "lots" }),
    /alerts\[0\]\.above: found "lots", expected an amount in major units/,
  );
  assert.match(
    refused({ id: "a", figure: "profit", above: 1 }),
    /alerts\[0\]\.figure: found the string "profit", expected one of "net", "revenue", "expenses", "trading"/,
  );
  assert.match(
    refused({ id: "a", figure: "net", below: 1 }, [
      {
        id: "ops",
        kind: "webhook",
        url: "https://x.example",
        secretEnv: "MISSING",
      },
    ]),
    /channels\[0\]\.secretEnv: the environment variable MISSING is not set/,
  );
  assert.match(
    refused({ id: "a", figure: "net", below: 1 }, [{ id: "m", kind: "pager" }]),
    /channels\[0\]\.kind: found "pager", expected one of "webhook", "slack", "email"/,
  );
  const email = {
    id: "m",
    kind: "email",
    smtpUrlEnv: "SMTP_URL",
    from: "pulse@acme.test",
    to: ["oncall@acme.test"],
  };
  const withSmtp = (url: string, channel: Record<string, unknown> = email) => {
    try {
      parseAlerting([{ id: "a", figure: "net", below: 1 }], [channel], {
        ...options,
        env: { SMTP_URL: url },
      });
    } catch (error) {
      return (error as Error).message;
    }
    return "accepted";
  };
  assert.equal(withSmtp("smtp://u:p@mail.acme.test:587"), "accepted");
  assert.match(
    withSmtp("http://mail.acme.test"),
    /channels\[0\]\.smtpUrlEnv: SMTP_URL is not an SMTP URL; expected smtp:\/\/user:password@host:587/,
  );
  assert.match(
    withSmtp("smtps://u:p@mail.acme.test", {
      ...email,
      to: ["not an address"],
    }),
    /channels\[0\]\.to\[0\]: found the string "not an address", expected an email address/,
  );
  assert.match(
    withSmtp("smtps://u:p@mail.acme.test", { ...email, to: [] }),
    /channels\[0\]\.to: the list is empty/,
  );
  assert.throws(
    () =>
      parseAlerting(
        [
          { id: "a", figure: "net", below: 1 },
          { id: "a", figure: "net", above: 1 },
        ],
        [],
        options,
      ),
    /alerts\[1\]\.id: "a" is already the id of alerts\[0\]/,
  );
});
