// deno-lint-ignore-file no-console -- a command-line entry point: the terminal is its interface
/**
 * Development loop: rebuilds the island bundle when browser code changes and
 * runs the server under `deno run --watch`, which restarts it on changes.
 *
 * Usage: deno task dev
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

async function build(): Promise<void> {
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/build.ts", "--if-stale"],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) {
    console.error("island build failed; the server keeps the last bundle");
  }
}

await build();
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--watch=static/_islands/manifest.json",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-net",
    "main.ts",
  ],
  cwd: root,
  stdout: "inherit",
  stderr: "inherit",
}).spawn();

let timer: ReturnType<typeof setTimeout> | undefined;
const watcher = Deno.watchFs(
  ["islands", "lib", "components"].map((d) => `${root}${d}`),
);
Deno.addSignalListener("SIGINT", () => {
  watcher.close();
  server.kill("SIGTERM");
});
for await (const event of watcher) {
  if (!event.paths.some((p) => /\.(tsx?|jsx?)$/.test(p))) continue;
  clearTimeout(timer);
  timer = setTimeout(build, 150);
}
await server.status;
