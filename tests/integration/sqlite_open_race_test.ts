import assert from "node:assert/strict";

const HELPER = new URL("../_helpers/open_store_at.ts", import.meta.url)
  .pathname;

Deno.test("SQLite: four processes opening the same new database file in the same instant all open it (PULSE_WORKERS siblings; the WAL switch said 'database is locked' at once)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pulse-open-race-" });
  try {
    const answers: string[] = [];
    for (let round = 0; round < 5; round++) {
      const path = `${dir}/round-${round}.db`;
      const at = Date.now() + 1_500;
      const runs = await Promise.all(
        Array.from({ length: 4 }, () =>
          new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", HELPER, path, String(at)],
            stdout: "piped",
            stderr: "inherit",
          }).output()),
      );
      for (const run of runs) {
        answers.push(new TextDecoder().decode(run.stdout).trim());
      }
    }
    assert.deepEqual(answers.filter((a) => a !== "ok"), []);
    assert.equal(answers.length, 20);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
