/**
 * `deno task check-config [FILE]`: the configuration checked as the
 * server would at start, without starting it; exit 0 or 1.
 */
import assert from "node:assert/strict";
import { ROOT, START_FLAGS, taskFlags } from "../_helpers/server_process.ts";

async function check(file: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    // Exactly the flags `deno task check-config` gives the script.
    args: [
      "run",
      ...taskFlags("check-config", "scripts/check_config.ts"),
      "scripts/check_config.ts",
      file,
    ],
    cwd: ROOT,
    // Only what the test sets, plus where Deno keeps its cache.
    env: {
      NO_COLOR: "1",
      ...Object.fromEntries(
        ["HOME", "DENO_DIR", "XDG_CACHE_HOME"].flatMap((k) => {
          const v = Deno.env.get(k);
          return v === undefined ? [] : [[k, v]];
        }),
      ),
      ...env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

Deno.test("check-config: a good file passes with exit 0 and a summary; a bad one, or a missing secret, exits 1 saying what is wrong; an unknown PULSE_* variable warns", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = `${dir}/good.json`;
    await Deno.writeTextFile(
      good,
      JSON.stringify({
        sources: [{
          id: "site",
          kind: "http-json",
          role: "revenue",
          url: "https://example.com/total",
          amountPointer: "/total",
          unit: "minor",
        }, {
          id: "shop",
          kind: "webhook",
          role: "revenue",
          secretEnv: "SHOP_SECRET",
        }],
      }),
    );
    const ok = await check(good, {
      SHOP_SECRET: "whsec_x",
      PULSE_CURENCY: "EUR",
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^ok: .*good\.json declares 2 sources \(site: http-json, shop: webhook\), reporting in USD/,
    );
    assert.match(
      ok.stderr,
      /warning: PULSE_CURENCY .*did you mean PULSE_CURRENCY/,
    );

    const missing = await check(good);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /SHOP_SECRET is not set/);

    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(
      bad,
      JSON.stringify({
        sources: [{
          id: "x",
          kind: "http-json",
          role: "revenue",
          intervalMS: 5,
        }],
      }),
    );
    const wrong = await check(bad);
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /bad\.json:1:\d+: error: .*unknown field "intervalMS" \(did you mean "intervalMs"\?\)/,
    );
    // Every problem at once: the missing url, pointer and unit too.
    assert.match(wrong.stderr, /missing field "url"/);
    assert.match(wrong.stderr, /missing field "amountPointer"/);
    assert.match(wrong.stderr, /\n4 problems in .*bad\.json$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the server refused a bad sources file with exit 1 and, with JSON logs, one record per problem with its line and column", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/pulse.json`;
    await Deno.writeTextFile(
      file,
      '{\n  "sources": [\n    {"id": "s", "kind": "simulatr", "role": "revenue"},\n    {"id": "t", "kind": "simulator", "role": "profit"}\n  ]\n}\n',
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...START_FLAGS, "main.ts"],
      cwd: ROOT,
      env: {
        PULSE_CONFIG: file,
        PULSE_DB: ":memory:",
        PORT: "0",
        PULSE_LOG_FORMAT: "json",
        NO_COLOR: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    const records = new TextDecoder().decode(out.stderr).trim().split("\n")
      .map((line) => JSON.parse(line))
      .filter((r) => r.msg === "invalid sources file");
    assert.deepEqual(
      records.map((r) => [r.line, r.column, r.path]),
      [[3, 25, "sources[0].kind"], [4, 46, "sources[1].role"]],
    );
    assert.match(records[0].message, /did you mean "simulator"\?/);
    assert.match(records[1].message, /found the string "profit"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a hostile sources file (nested 6,000 deep, over 1 MiB, one huge line) is refused by check-config and the server with exit 1 and one located sentence, never a stack", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const deep = `${dir}/deep.json`;
    await Deno.writeTextFile(
      deep,
      `{"sources": [{"id": "s", "kind": "simulator", "role": "revenue", "x": ${
        "[".repeat(6_000)
      }${"]".repeat(6_000)}}]}`,
    );
    const checked = await check(deep);
    assert.equal(checked.code, 1);
    const said = checked.stdout + checked.stderr;
    assert.match(said, /nested deeper than 32 levels at line 1, column 100/);
    assert.doesNotMatch(said, /^\s+at /m, "no stack");
    // The offending line is shown around the place, not whole.
    assert.ok(
      said.split("\n").every((line) => line.length < 300),
      "no line of the report is long",
    );
    const server = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...START_FLAGS, "main.ts"],
      cwd: ROOT,
      env: {
        PULSE_CONFIG: deep,
        PULSE_DB: ":memory:",
        PORT: "0",
        PULSE_LOG_FORMAT: "json",
        NO_COLOR: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(server.code, 1, "a failed start exits 1, never 0");
    const records = new TextDecoder().decode(server.stderr).trim().split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(records.map((r) => [r.msg, r.line, r.column]), [[
      "invalid sources file",
      1,
      100,
    ]]);

    const huge = `${dir}/huge.json`;
    await Deno.writeTextFile(
      huge,
      `{"sources": [], "title": "${"x".repeat(1_100_000)}"}`,
    );
    const big = await check(huge);
    assert.equal(big.code, 1);
    assert.match(
      big.stdout + big.stderr,
      /a sources file may be at most 1048576 bytes/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a sources file may not hand the server's own settings (PULSE_*) or the system's variables (HOME) on as secrets: refused at check-config, at the field", async () => {
  const dir = await Deno.makeTempDir();
  const ads = {
    id: "ads",
    kind: "http-json",
    role: "expense",
    url: "https://ads.example.com/v1/spend",
    headers: { authorization: "Bearer ${PULSE_SESSION_SECRET}" },
    amountPointer: "/spend",
    unit: "minor",
  };
  const shop = { id: "shop", kind: "webhook", role: "revenue" };
  const cases: [object, RegExp][] = [
    [
      { sources: [ads] },
      /sources\[0\]\.headers\.authorization: PULSE_SESSION_SECRET is one of the server's own settings/,
    ],
    [
      { sources: [{ ...shop, secretEnv: "HOME" }] },
      /sources\[0\]\.secretEnv: HOME is set by the system/,
    ],
    [
      {
        sources: [{ ...shop, secretEnv: "SHOP_SECRET" }],
        alerts: [{ id: "low", figure: "net", below: 0, notify: ["ops"] }],
        channels: [{
          id: "ops",
          kind: "webhook",
          url: "https://ops.example.com/hook",
          secretEnv: "PULSE_TOKENS",
        }],
      },
      /channels\[0\]\.secretEnv: PULSE_TOKENS is one of the server's own settings/,
    ],
  ];
  try {
    for (const [json, said] of cases) {
      const file = `${dir}/pulse.json`;
      await Deno.writeTextFile(file, JSON.stringify(json));
      const out = await check(file, {
        PULSE_SESSION_SECRET: "s".repeat(32),
        PULSE_TOKENS: "tok_0123456789abcdef",
        HOME: "/root",
        SHOP_SECRET: "whsec_shop",
      });
      assert.equal(out.code, 1, out.stdout + out.stderr);
      assert.match(out.stdout + out.stderr, said);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check-config: a file with ten mistakes across every stage (its fields, its rules and channels, its secrets) and a bad setting get every problem in one run, each at its line and column", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/ten.json`;
    // One mistake a line, so each is found at its own line.
    await Deno.writeTextFile(
      file,
      `{
  "title": "Acme P&L",
  "currncy": "EUR",
  "sources": [
    { "id": "site", "kind": "http-json", "role": "revenue", "url": "https://example.com/total",
      "amountPointer": "/total", "unit": "minor", "intervalMS": 5000 },
    { "id": "shop", "kind": "webhook", "role": "income", "secretEnv": "SHOP_SECRET" },
    { "id": "site", "kind": "webhook", "role": "revenue", "secretEnv": "SHOP_SECRET" },
    { "id": "stripe", "kind": "stripe", "role": "revenue", "keyEnv": "STRIPE_KEY", "since": "2026-01-01" },
    { "id": "hook", "kind": "webhook", "role": "revenue", "secretEnv": "HOOK_SECRET" }
  ],
  "alerts": [
    { "id": "net-low", "figure": "net", "below": -500, "notify": ["pager"] },
    { "id": "gone", "source": "nope", "below": 0 }
  ],
  "channels": [
    { "id": "ops", "kind": "teams", "url": "https://example.com" },
    { "id": "chat", "kind": "slack", "urlEnv": "SLACK_URL" }
  ]
}
`,
    );
    const run = await check(file, {
      SHOP_SECRET: "whsec_x",
      PULSE_BATCH_MS: "fast",
    });
    assert.equal(run.code, 1, run.stdout);
    const expected: [RegExp, number][] = [
      [/PULSE_BATCH_MS must be an integer/, 0],
      [/unknown field "currncy" \(did you mean "currency"\?\)/, 3],
      [/unknown field "intervalMS"/, 6],
      [/role: found the string "income"/, 7],
      [/"site" is already the id of sources\[0\]/, 8],
      [/STRIPE_KEY is not set/, 9],
      [/HOOK_SECRET is not set/, 10],
      [/no channel has the id "pager"/, 13],
      [
        /no source has the id "nope"; the sources are "site", "shop", "stripe", "hook"$/m,
        14,
      ],
      [/channels\[0\]\.kind: found "teams"/, 17],
      [/SLACK_URL is not set/, 18],
    ];
    for (const [words, line] of expected) {
      const found = run.stderr.split("\n").find((l) => words.test(l));
      assert.ok(found, `${words} not in:\n${run.stderr}`);
      if (line > 0) {
        assert.match(found!, new RegExp(`ten\\.json:${line}:\\d+: error: `));
      }
    }
    assert.match(run.stderr, /^10 problems in .*ten\.json$/m);
    assert.match(run.stderr, /^11 problems in all$/m);
    // A rule naming a source whose entry has a mistake is not also unknown.
    assert.doesNotMatch(run.stderr, /no source has the id "shop"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check-config warns at the field on a SQL query that may never end (recursive, no LIMIT), and still passes; a bounded one gets no warning", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { DatabaseSync } = await import("node:sqlite");
    new DatabaseSync(`${dir}/app.db`).close();
    const endless =
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) AS amount FROM n";
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [
          {
            id: "endless",
            kind: "sql",
            role: "revenue",
            database: "app.db",
            unit: "minor",
            query: endless,
          },
          {
            id: "bounded",
            kind: "sql",
            role: "revenue",
            database: "app.db",
            unit: "minor",
            query: endless.replace("FROM n)", "FROM n LIMIT 100)"),
          },
        ],
      }),
    );
    const { code, stderr } = await check(file);
    assert.equal(code, 0, stderr);
    const warnings = stderr.split("\n").filter((l) => l.startsWith("warning:"));
    assert.deepEqual(warnings.length, 1, stderr);
    assert.match(
      warnings[0]!,
      /^warning: sources\[0\]\.query: the query is recursive with no LIMIT: .*add a LIMIT/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
