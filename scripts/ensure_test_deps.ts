// deno-lint-ignore-file no-console -- a command-line entry point: the terminal is its interface
/**
 * Makes sure the programs the test suite drives are installed:
 * `redis-server` (real Redis for cache and scale-out tests), Debian's
 * `chromium` (browser end-to-end tests) and `nginx` (the front-door test). On Debian as root it installs
 * what is missing with apt-get; otherwise it stops with the exact command.
 *
 * @module
 */

const NEEDS = [
  { program: "redis-server", path: undefined, pkg: "redis-server" },
  { program: "chromium", path: "/usr/bin/chromium", pkg: "chromium" },
  // The front-door test runs Debian's nginx in front of the server.
  { program: "nginx", path: "/usr/sbin/nginx", pkg: "nginx-light" },
] as const;

async function onPath(program: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const info = await Deno.stat(`${dir}/${program}`);
      if (info.isFile) return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[]): Promise<boolean> {
  const status = await new Deno.Command(cmd, {
    args,
    stdout: "inherit",
    stderr: "inherit",
    env: { DEBIAN_FRONTEND: "noninteractive" },
  }).output();
  return status.success;
}

async function isRoot(): Promise<boolean> {
  const out = await new Deno.Command("id", { args: ["-u"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).trim() === "0";
}

const missing = [];
for (const need of NEEDS) {
  const present = need.path
    ? await exists(need.path)
    : await onPath(need.program);
  if (!present) missing.push(need.pkg);
}
if (missing.length === 0) Deno.exit(0);

const command = `apt-get update && apt-get install -y ${missing.join(" ")}`;
const canInstall = await isRoot() && await onPath("apt-get");
if (!canInstall) {
  console.error(
    `The test suite needs ${missing.join(" and ")}, which is not installed.\n` +
      `Install it, then run the tests again:\n\n  sudo sh -c '${command}'\n`,
  );
  Deno.exit(1);
}
console.log(`Installing ${missing.join(", ")} for the test suite: ${command}`);
if (
  !(await run("apt-get", ["update"])) ||
  !(await run("apt-get", [
    "install",
    "-y",
    ...missing,
  ]))
) {
  console.error(
    `Installing failed. Run this yourself, then the tests again:\n\n  ${command}\n`,
  );
  Deno.exit(1);
}
