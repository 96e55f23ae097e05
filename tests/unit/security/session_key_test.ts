import assert from "node:assert/strict";
import { keptSessionKey, SessionKeyError } from "@/lib/security/mod.ts";
import { seededRandom } from "@/lib/time/mod.ts";

/** Keys from a seed: 64 hex characters each, different per seed. */
function generator(seed: number) {
  const random = seededRandom(seed);
  return () =>
    Array.from({ length: 64 }, () => Math.floor(random() * 16).toString(16))
      .join("");
}

Deno.test("keptSessionKey() makes a key once, in a file only its user reads, and every later start (or sibling) reads the same", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/pulse.db.session-key`;
    // Five starts, each with a key of its own to offer: the first is kept.
    const keys = await Promise.all(
      [1, 2, 3, 4, 5].map((seed) =>
        keptSessionKey({ file, generate: generator(seed) })
      ),
    );
    assert.equal(new Set(keys.map((k) => k.key)).size, 1);
    assert.match(keys[0]!.key, /^[0-9a-f]{64}$/);
    assert.deepEqual(keys[0]!.source, { kind: "file", path: file });
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const later = await keptSessionKey({ file, generate: generator(9) });
    assert.equal(later.key, keys[0]!.key, "a restart keeps the key");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["pulse.db.session-key"],
      "no temporary file left behind",
    );
    // A key others could read is made private again.
    await Deno.chmod(file, 0o644);
    await keptSessionKey({ file, generate: generator(10) });
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keptSessionKey(): the setting wins, the cluster's key comes next, a Redis that is down falls back to the file, and an in-memory database gets a key per start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/k`;
    const set = await keptSessionKey({
      configured: "s".repeat(40),
      file,
      generate: generator(1),
    });
    assert.deepEqual(set, {
      key: "s".repeat(40),
      source: { kind: "setting" },
    });
    const kept = "a".repeat(64);
    const shared = await keptSessionKey({
      file,
      shared: () => Promise.resolve(kept),
      generate: generator(2),
    });
    assert.deepEqual(shared, { key: kept, source: { kind: "shared" } });
    const failures: unknown[] = [];
    const down = await keptSessionKey({
      file,
      shared: () => Promise.reject(new Error("Redis is unreachable")),
      generate: generator(3),
      onSharedFailed: (error) => failures.push(error),
    });
    assert.equal(down.source.kind, "file");
    assert.equal(failures.length, 1);
    const memory = await keptSessionKey({ generate: generator(4) });
    assert.equal(memory.source.kind, "per-start");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keptSessionKey() refuses a kept file that is not a key, saying how to make a new one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/k`;
    await Deno.writeTextFile(file, "not a key\n");
    await assert.rejects(
      () => keptSessionKey({ file, generate: generator(1) }),
      (error: unknown) =>
        error instanceof SessionKeyError && error.path === file &&
        /not 64 hex characters; delete the file to make a new one .* or set PULSE_SESSION_SECRET/
          .test(error.message),
    );
    assert.equal(
      await Deno.readTextFile(file),
      "not a key\n",
      "left as it was",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
