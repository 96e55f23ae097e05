import assert from "node:assert/strict";
import { ROOT, startServerProcess } from "../_helpers/server_process.ts";

/** Copies what a deployment ships: the sources and the built islands. */
async function copyRepo(to: string): Promise<void> {
  const skip = new Set([
    ".git",
    "data",
    "test-results",
    ".build",
    "node_modules",
  ]);
  const copy = async (from: string, dest: string) => {
    await Deno.mkdir(dest, { recursive: true });
    for await (const entry of Deno.readDir(from)) {
      if (skip.has(entry.name) && from === ROOT.replace(/\/$/, "")) continue;
      const src = `${from}/${entry.name}`;
      if (entry.isDirectory) await copy(src, `${dest}/${entry.name}`);
      else if (entry.isFile) await Deno.copyFile(src, `${dest}/${entry.name}`);
    }
  };
  await copy(ROOT.replace(/\/$/, ""), to);
}

async function makeReadOnly(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) await makeReadOnly(path);
    await Deno.chmod(path, entry.isDirectory ? 0o555 : 0o444);
  }
  await Deno.chmod(dir, 0o555);
}

async function makeWritable(dir: string): Promise<void> {
  await Deno.chmod(dir, 0o755);
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    await Deno.chmod(path, entry.isDirectory ? 0o755 : 0o644);
    if (entry.isDirectory) await makeWritable(path);
  }
}

Deno.test("with DENO_DEPLOYMENT_ID set, the app runs from a read-only copy without write permission", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pulseboard-deploy-" });
  const app = `${dir}/app`;
  try {
    await copyRepo(app);
    await makeReadOnly(app);
    // No --allow-write, --allow-run or --allow-ffi: Deno itself refuses any
    // write, so passing proves the app needs no writable disk (the chmod
    // alone would not stop root).
    await using server = await startServerProcess({
      cwd: app,
      permissions: ["--allow-read", "--allow-net", "--allow-env"],
      env: {
        DENO_DEPLOYMENT_ID: "test-deployment",
        PULSE_SIM_INTERVAL_MS: "50",
      },
    });
    const listening = JSON.parse(
      server.lines.find((l) => l.includes('"listening"'))!,
    );
    assert.equal(listening.db, ":memory:");

    const page = await (await fetch(server.url)).text();
    const script = /src="(\/static\/_islands\/islands-[0-9a-f]+\.js)"/.exec(
      page,
    )?.[1];
    assert.ok(script, "the page loads the island bundle built ahead of time");
    const bundle = await fetch(new URL(script, server.url));
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get("content-type") ?? "", /javascript/);
    await bundle.body?.cancel();

    const snap = await fetch(new URL("/api/snapshot?topic=pnl", server.url));
    assert.equal(snap.status, 200);
    assert.equal((await snap.json()).type, "snapshot");

    for await (const entry of Deno.readDir(app)) {
      assert.notEqual(
        entry.name,
        "data",
        "nothing was written next to the app",
      );
    }
  } finally {
    await makeWritable(dir);
    await Deno.remove(dir, { recursive: true });
  }
});
