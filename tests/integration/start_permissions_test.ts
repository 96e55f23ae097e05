/**
 * Documented settings work under `deno task start`'s own permissions (the
 * server here is started with exactly the task's flags, read from
 * deno.json): accepting other machines with `PULSE_HOST=0.0.0.0`, and the
 * open-files limit that health judges connections against.
 */
import assert from "node:assert/strict";
import { START_FLAGS, startServerProcess } from "../_helpers/server_process.ts";

Deno.test("deno task start's flags: no blanket --allow-all, and each one is documented in docs/security.md", async () => {
  assert.ok(
    !START_FLAGS.includes("--allow-all") && !START_FLAGS.includes("-A"),
  );
  const security = await Deno.readTextFile(
    new URL("../../docs/security.md", import.meta.url),
  );
  for (const flag of START_FLAGS) {
    assert.ok(security.includes(`\`${flag}\``), `${flag} in docs/security.md`);
  }
});

Deno.test("PULSE_HOST=0.0.0.0 under deno task start's flags listens on every address and answers on loopback, with the open-files limit known", async () => {
  await using server = await startServerProcess({
    // An open board on every address is the operator's explicit choice.
    env: { PULSE_HOST: "0.0.0.0", PULSE_OPEN_BOARD: "true" },
  });
  const port = new URL(server.url).port;
  const res = await fetch(`http://127.0.0.1:${port}/api/health`);
  const health = await res.json();
  assert.equal(res.status, 200, JSON.stringify(health));
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", "ulimit -Sn"],
  }).output();
  assert.equal(
    health.limits.openFiles,
    Number(new TextDecoder().decode(stdout).trim()),
  );
});

/**
 * A non-default value for every setting docs/configuration.md lists (the
 * table is made from `SETTINGS`): a setting added later fails the test
 * below until it has one here.
 */
function everySetting(dir: string, redisUrl: string, file: string) {
  return {
    PORT: "0",
    PULSE_HOST: "0.0.0.0",
    PULSE_DB: `${dir}/pulse.db`,
    PULSE_CONFIG: file,
    PULSE_SIM_INTERVAL_MS: "500",
    PULSE_CURRENCY: "EUR",
    PULSE_LOG_LEVEL: "info,cluster=debug",
    PULSE_LOG_FORMAT: "json",
    PULSE_TIMEZONE: "America/New_York",
    PULSE_WEEK_START: "sunday",
    PULSE_CACHE_TTL_MS: "1000",
    PULSE_BATCH_MS: "50",
    PULSE_HISTORY_COUNT: "500",
    PULSE_HISTORY_MAX_AGE_MS: "60000",
    PULSE_HEARTBEAT_MS: "5000",
    PULSE_WS_IDLE_TIMEOUT_S: "30",
    PULSE_MAX_FRAME_BYTES: "8192",
    PULSE_SLOW_CLIENT_BYTES: "131072",
    PULSE_SLOW_CLIENT_MS: "10000",
    PULSE_RECONNECT_BASE_MS: "500",
    PULSE_RECONNECT_SPREAD_MS: "2000",
    PULSE_DRAIN_MS: "500",
    REDIS_URL: redisUrl,
    PULSE_WORKERS: "2",
    PULSE_LEASE_MS: "1000",
    PULSE_HISTORY_RAW_MS: "86400000",
    PULSE_HISTORY_KEEP_MS: "864000000",
    PULSE_ALLOWED_ORIGINS: "https://board.example.com",
    PULSE_ALLOWED_HOSTS: "board.example.com,127.0.0.1",
    PULSE_TRUST_PROXY: "true",
    PULSE_TOKENS: "test-token-aaaaaaaaaaaaaaaa",
    PULSE_OPEN_BOARD: "true",
    PULSE_SESSION_SECRET: "0123456789abcdef0123456789abcdef",
    PULSE_SESSION_TTL_MS: "3600000",
    PULSE_TICKET_TTL_MS: "30000",
    PULSE_MAX_CONNECTIONS: "500",
    PULSE_MAX_CONNECTIONS_PER_IP: "100",
    PULSE_MAX_PARKED_POLLS_PER_IP: "50",
    PULSE_MAX_REQUESTS_PER_IP: "32",
    PULSE_MAX_STREAMS_PER_CREDENTIAL: "32",
    PULSE_MEMORY_BUDGET_MB: "4096",
    PULSE_HISTORY_PER_SECOND: "10",
    PULSE_MAX_AUTH_FAILURES_PER_IP: "20",
    PULSE_AUTH_FAILURE_WINDOW_MS: "30000",
    PULSE_WS_MESSAGES_PER_S: "10",
    PULSE_MAX_SUBSCRIPTIONS: "4",
    PULSE_MAX_BODY_BYTES: "131072",
  };
}

Deno.test("every documented setting at once, at a value other than its default, starts under deno task start's flags and serves", async () => {
  const { SETTINGS } = await import("@/lib/config.ts");
  const { startRedis } = await import("../_helpers/redis_server.ts");
  await using redis = await startRedis();
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        sources: [{
          id: "shop",
          kind: "webhook",
          role: "revenue",
          mode: "increment",
          secretEnv: "SHOP_SECRET",
        }],
      }),
    );
    const env = everySetting(dir, redis.url, file);
    // Deno Deploy is a platform of its own (tests/integration/deploy_test.ts).
    const documented = SETTINGS.map((s) => s.variable).filter((v) =>
      v !== "DENO_DEPLOYMENT_ID"
    );
    assert.deepEqual(Object.keys(env).sort(), documented.sort());
    await using server = await startServerProcess({
      env: { ...env, SHOP_SECRET: "whsec_everything" },
      startTimeoutMs: 30_000,
    });
    const port = new URL(server.url).port;
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    assert.equal(health.status, 200, await health.text());
    const snapshot = await fetch(`http://127.0.0.1:${port}/api/snapshot`, {
      headers: { authorization: "Bearer test-token-aaaaaaaaaaaaaaaa" },
    });
    assert.equal(snapshot.status, 200);
    assert.equal((await snapshot.json()).data.currency, "EUR");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
