/**
 * A database the server cannot use stops it at start-up with a message that
 * names the path and what to do, a non-zero exit, and the file untouched.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../_helpers/server_process.ts";

async function expectRefusal(
  env: Record<string, string>,
  permissions?: string[],
): Promise<string> {
  const error = await startServerProcess({
    env,
    permissions,
    startTimeoutMs: 15_000,
  }).then(
    async (server) => {
      await server.stop();
      return undefined;
    },
    (e: Error) => e,
  );
  assert.ok(error, "the server must not start");
  assert.match(error.message, /server exited with 1/);
  return error.message;
}

Deno.test("a corrupt PULSE_DB file: the documented message, exit code 1, and the file left as it was", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/corrupt.db`;
    const garbage = "not a database at all\n".repeat(500);
    await Deno.writeTextFile(path, garbage);
    const output = await expectRefusal({ PULSE_DB: path });
    assert.match(
      output,
      new RegExp(`Cannot open the database at ${path.replaceAll("/", "\\/")}`),
    );
    assert.match(output, /move a damaged file aside, or set PULSE_DB/);
    assert.equal(await Deno.readTextFile(path), garbage);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unwritable PULSE_DB location: the documented message and exit code 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a-file`, "x");
    const underFile = await expectRefusal({
      PULSE_DB: `${dir}/a-file/pulse.db`,
    });
    assert.match(
      underFile,
      /Cannot open the database at .*a-file\/pulse.db: .* set PULSE_DB/,
    );

    // Root ignores file modes, so the read-only case is made with Deno's own
    // permissions: the server may read the file but not write it.
    const path = `${dir}/readonly.db`;
    const seed = new (await import("node:sqlite")).DatabaseSync(path);
    seed.exec("CREATE TABLE t (x INTEGER)");
    seed.close();
    const before = await Deno.readFile(path);
    const readOnly = await expectRefusal({ PULSE_DB: path }, [
      "--allow-read",
      "--allow-env",
      "--allow-net",
      `--allow-write=${dir}/elsewhere`,
    ]);
    assert.match(
      readOnly,
      new RegExp(`Cannot open the database at ${path.replaceAll("/", "\\/")}`),
    );
    assert.deepEqual(await Deno.readFile(path), before, "nothing overwritten");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
