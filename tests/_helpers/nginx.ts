/**
 * Debian's nginx in front of a server, running docs/nginx/pulseboard.conf
 * as shipped, with only its addresses, server name and a few numbers
 * swapped for the test's (each swap must find its line, so the recipe and
 * the test cannot drift apart).
 */
import { ROOT } from "./server_process.ts";

/** A running nginx. */
export interface Nginx extends AsyncDisposable {
  /** Its base URL, such as `http://127.0.0.1:41234/`. */
  url: string;
  port: number;
}

/** A free loopback port (taken and given back). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Starts nginx with the shipped recipe in front of `upstream`.
 *
 * @param upstream The server's `host:port`.
 * @param swaps Further `[line in the recipe, its replacement]` pairs.
 */
export async function startNginx(
  upstream: string,
  swaps: [string, string][] = [],
): Promise<Nginx> {
  const dir = await Deno.makeTempDir({ prefix: "pulse-nginx-" });
  const port = freePort();
  let recipe = await Deno.readTextFile(`${ROOT}docs/nginx/pulseboard.conf`);
  for (
    const [from, to] of [
      [
        "server 127.0.0.1:8000 max_fails=2 fail_timeout=5s;",
        `server ${upstream};`,
      ],
      ["listen 80;", `listen 127.0.0.1:${port};`],
      ["server_name board.example.com;", "server_name 127.0.0.1;"],
      ...swaps,
    ] as [string, string][]
  ) {
    if (!recipe.includes(from)) {
      throw new Error(`docs/nginx/pulseboard.conf has no line "${from}"`);
    }
    recipe = recipe.replace(from, to);
  }
  await Deno.writeTextFile(`${dir}/pulseboard.conf`, recipe);
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((t) => `${t}_temp_path ${dir}/${t};`).join("\n  ");
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    `${Deno.uid() === 0 ? "user root;\n" : ""}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  ${temp}
  include ${dir}/pulseboard.conf;
}
`,
  );
  const child = new Deno.Command("/usr/sbin/nginx", {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        const { stderr } = await child.output();
        throw new Error(
          `nginx did not listen: ${new TextDecoder().decode(stderr)}${await Deno
            .readTextFile(`${dir}/error.log`).catch(() => "")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    async [Symbol.asyncDispose]() {
      child.kill("SIGQUIT");
      await child.stderr.cancel();
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
