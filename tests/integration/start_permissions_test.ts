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
    env: { PULSE_HOST: "0.0.0.0" },
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
