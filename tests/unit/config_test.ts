import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "@/lib/config.ts";

Deno.test("parseConfig() applies PROTOCOL.md's defaults", () => {
  const c = parseConfig({});
  assert.equal(c.port, 8000);
  assert.equal(c.dbPath, "./data/pulseboard.db");
  assert.equal(c.simIntervalMs, 1000);
  assert.equal(c.batchMs, 100);
  assert.equal(c.redisUrl, undefined);
  assert.ok(Object.isFrozen(c));
});

Deno.test("parseConfig() keeps SQLite in memory on Deno Deploy unless PULSE_DB says otherwise", () => {
  assert.equal(parseConfig({ DENO_DEPLOYMENT_ID: "abc" }).dbPath, ":memory:");
  assert.equal(
    parseConfig({ DENO_DEPLOYMENT_ID: "abc", PULSE_DB: "/tmp/x.db" }).dbPath,
    "/tmp/x.db",
  );
});

Deno.test("parseConfig() names the variable, the value and the accepted range", () => {
  for (
    const [env, re] of [
      [
        { PORT: "http" },
        /PORT must be an integer from 0 to 65535, received "http"/,
      ],
      [{ PORT: "70000" }, /PORT must be an integer/],
      [{ PULSE_BATCH_MS: "-1" }, /PULSE_BATCH_MS must be an integer from 0/],
      [{ PULSE_SIM_INTERVAL_MS: "1.5" }, /PULSE_SIM_INTERVAL_MS/],
      [{ REDIS_URL: "localhost:6379" }, /REDIS_URL must be a redis:\/\//],
      [{ PULSE_CURRENCY: "usd" }, /PULSE_CURRENCY must be an ISO 4217 code/],
    ] as const
  ) {
    assert.throws(
      () => parseConfig(env),
      (e) => e instanceof ConfigError && re.test(e.message),
    );
  }
});

Deno.test("parseConfig() refuses weak tokens and secrets without echoing them, and reads token lists", () => {
  assert.throws(
    () => parseConfig({ PULSE_TOKENS: "short-secret" }),
    (e) =>
      e instanceof Error && /at least 16 characters/.test(e.message) &&
      !e.message.includes("short-secret"),
  );
  assert.throws(
    () => parseConfig({ PULSE_SESSION_SECRET: "x".repeat(10) }),
    /at least 32 characters/,
  );
  assert.deepEqual(
    parseConfig({ PULSE_TOKENS: "aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb" }).tokens,
    [
      "aaaaaaaaaaaaaaaa",
      "bbbbbbbbbbbbbbbb",
    ],
  );
});

Deno.test("parseConfig() refuses settings this version cannot honour instead of ignoring them", () => {
  assert.throws(() => parseConfig({ PULSE_TOKENS: "secret" }), {
    name: "ConfigError",
    variable: "PULSE_TOKENS",
  });
});

Deno.test("parseConfig() never echoes a REDIS_URL, which may hold a password", () => {
  assert.throws(
    () => parseConfig({ REDIS_URL: "http://user:hunter2@host" }),
    (e) => e instanceof Error && !e.message.includes("hunter2"),
  );
});

Deno.test("parseConfig() reads PULSE_ALLOWED_ORIGINS as origins and refuses paths or garbage", () => {
  assert.deepEqual(
    parseConfig({
      PULSE_ALLOWED_ORIGINS: "https://a.example, http://b.example:8080",
    }).allowedOrigins,
    [
      "https://a.example",
      "http://b.example:8080",
    ],
  );
  assert.throws(
    () => parseConfig({ PULSE_ALLOWED_ORIGINS: "https://a.example/path" }),
    /PULSE_ALLOWED_ORIGINS must be/,
  );
  assert.throws(
    () => parseConfig({ PULSE_ALLOWED_ORIGINS: "*" }),
    /PULSE_ALLOWED_ORIGINS must be/,
  );
});

Deno.test("config: PULSE_TIMEZONE takes an IANA zone (UTC by default) and PULSE_WEEK_START monday or sunday, refusing others with what is accepted", () => {
  assert.equal(parseConfig({}).timeZone, "UTC");
  assert.equal(parseConfig({}).weekStart, "monday");
  assert.equal(
    parseConfig({ PULSE_TIMEZONE: "Europe/Berlin" }).timeZone,
    "Europe/Berlin",
  );
  assert.equal(parseConfig({ PULSE_WEEK_START: "Sunday" }).weekStart, "sunday");
  assert.throws(
    () => parseConfig({ PULSE_TIMEZONE: "Berlin" }),
    /PULSE_TIMEZONE: unknown time zone "Berlin"; expected an IANA name/,
  );
  assert.throws(
    () => parseConfig({ PULSE_WEEK_START: "friday" }),
    /PULSE_WEEK_START must be "monday" or "sunday", received "friday"/,
  );
});

Deno.test("config: an unknown PULSE_* variable is a warning with a did-you-mean; settings and a sources file's own secrets are not", async () => {
  const { unknownVariables } = await import("@/lib/config.ts");
  const warnings = unknownVariables(
    {
      PULSE_CURENCY: "EUR",
      PULSE_TIMEZON: "Europe/Berlin",
      PULSE_COLOUR_SCHEME: "dark",
      PULSE_PORT: "8080",
      PULSE_REDIS_URL: "redis://127.0.0.1:6379",
      PULSE_CURRENCY: "USD",
      PULSE_STRIPE_KEY: "sk_test_x",
      HOME: "/root",
    },
    ["PULSE_STRIPE_KEY"],
  );
  assert.deepEqual(
    warnings.map((w) => [w.variable, w.suggestion]),
    [
      ["PULSE_COLOUR_SCHEME", undefined],
      ["PULSE_CURENCY", "PULSE_CURRENCY"],
      // The setting has no prefix: not PULSE_HOST, the nearest spelling.
      ["PULSE_PORT", "PORT"],
      ["PULSE_REDIS_URL", "REDIS_URL"],
      ["PULSE_TIMEZON", "PULSE_TIMEZONE"],
    ],
  );
  assert.match(
    warnings[1]!.message,
    /^PULSE_CURENCY is not a Pulseboard setting and is ignored \(did you mean PULSE_CURRENCY\?\)/,
  );
});

Deno.test("config: PULSE_LOG_LEVEL and PULSE_LOG_FORMAT take their named values and refuse others", () => {
  assert.equal(parseConfig({}).logLevel.level, "info");
  assert.equal(parseConfig({}).logFormat, "auto");
  assert.equal(
    parseConfig({ PULSE_LOG_LEVEL: "DEBUG" }).logLevel.level,
    "debug",
  );
  assert.equal(parseConfig({ PULSE_LOG_FORMAT: "pretty" }).logFormat, "pretty");
  assert.throws(
    () => parseConfig({ PULSE_LOG_LEVEL: "verbose" }),
    /PULSE_LOG_LEVEL: the level must be one of "debug", "info", "warn", "error", received "verbose"/,
  );
});

Deno.test("parseConfig reports every wrong variable at once, each naming what is accepted", () => {
  assert.throws(
    () =>
      parseConfig({
        PORT: "eighty",
        PULSE_BATCH_MS: "-5",
        PULSE_TIMEZONE: "Mars/Olympus",
      }),
    (error: ConfigError) => {
      assert.equal(error.problems.length, 3);
      assert.deepEqual(
        error.problems.map((p) => p.variable),
        ["PORT", "PULSE_TIMEZONE", "PULSE_BATCH_MS"],
      );
      assert.match(error.message, /^3 problems in the environment:\n- PORT/);
      return true;
    },
  );
});

Deno.test("PULSE_LOG_LEVEL takes a level for the whole log and, after commas, one per area; an unknown area gets a suggestion", () => {
  const c = parseConfig({
    PULSE_LOG_LEVEL: "warn, alerts=debug,cluster=error",
  });
  assert.deepEqual(c.logLevel, {
    level: "warn",
    areas: { alerts: "debug", cluster: "error" },
  });
  assert.deepEqual(parseConfig({}).logLevel, { level: "info", areas: {} });
  assert.throws(
    () => parseConfig({ PULSE_LOG_LEVEL: "info,alert=debug" }),
    /PULSE_LOG_LEVEL: unknown area "alert" \(did you mean "alerts"\?\); the areas are "sources", "alerts", "cluster", "http"/,
  );
  assert.throws(
    () => parseConfig({ PULSE_LOG_LEVEL: "info,alerts=loud" }),
    /the level of alerts must be one of "debug", "info", "warn", "error", received "loud"/,
  );
});

Deno.test("parseConfig() reads PULSE_WORKERS as a count or auto, and refuses workers without Redis on an in-memory database", () => {
  assert.equal(parseConfig({}).workers, 1);
  assert.equal(parseConfig({ PULSE_WORKERS: "4" }).workers, 4);
  assert.equal(parseConfig({ PULSE_WORKERS: "auto" }).workers, "auto");
  assert.throws(
    () => parseConfig({ PULSE_WORKERS: "0" }),
    /PULSE_WORKERS must be a whole number from 1 to 64, or "auto" for one per core, received "0"/,
  );
  assert.throws(
    () => parseConfig({ PULSE_WORKERS: "2", PULSE_DB: ":memory:" }),
    /without REDIS_URL needs a database file the workers share/,
  );
  assert.equal(
    parseConfig({
      PULSE_WORKERS: "2",
      PULSE_DB: ":memory:",
      REDIS_URL: "redis://127.0.0.1:6379",
    }).workers,
    2,
  );
});

Deno.test("protected mode: with no PULSE_TOKENS, an address other machines reach is refused unless PULSE_OPEN_BOARD=true; loopback and Deno Deploy are fine", async () => {
  const { ConfigError } = await import("@/lib/config.ts");
  for (const host of ["0.0.0.0", "::", "192.168.1.20", "board.lan"]) {
    assert.throws(
      () => parseConfig({ PULSE_HOST: host }),
      (e) =>
        e instanceof ConfigError && e.variable === "PULSE_HOST" &&
        /would show the board to every machine that can reach this one, with no credentials \(PULSE_TOKENS is not set\)\. Set PULSE_TOKENS .* or PULSE_OPEN_BOARD=true/
          .test(e.message),
      host,
    );
    assert.equal(
      parseConfig({ PULSE_HOST: host, PULSE_OPEN_BOARD: "true" }).openBoard,
      true,
    );
    assert.equal(
      parseConfig({ PULSE_HOST: host, PULSE_TOKENS: "tok_0123456789abcdef" })
        .hostname,
      host,
    );
  }
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]) {
    assert.equal(parseConfig({ PULSE_HOST: host }).hostname, host);
  }
  assert.equal(
    parseConfig({ PULSE_HOST: "0.0.0.0", DENO_DEPLOYMENT_ID: "x" }).deploy,
    true,
  );
});
