// deno-lint-ignore-file no-console -- a command-line script: the terminal is its interface
/**
 * Starts local Kalshi, Anthropic and Stripe mocks (the ones the tests use)
 * and writes a sources file naming them plus a webhook source, so the
 * sources can be tried without accounts: `deno task mocks`, then start the
 * server with the printed environment. Each mock can be stopped and
 * started alone from this terminal (`stop kalshi`, `start kalshi`), to
 * watch one source go stale while the others go on. Stops on Ctrl-C or at
 * the end of input.
 */
import { textLines } from "@/lib/protocol/mod.ts";
import { startUpstreams } from "../tests/_helpers/upstreams/mod.ts";

const upstreams = await startUpstreams();
const file = `${await Deno.makeTempDir({
  prefix: "pulse-mocks-",
})}/sources.json`;
await Deno.writeTextFile(
  file,
  JSON.stringify(upstreams.sourcesFile({ intervalMs: 2000 }), null, 2),
);
const env = { PULSE_CONFIG: file, ...upstreams.env };
console.log(
  `Mocks: Kalshi ${upstreams.kalshi.apiUrl}, Anthropic ${upstreams.anthropic.url}, Stripe ${upstreams.stripe.url}`,
);
console.log(`Sources file: ${file}`);
console.log(
  "Start the server in another terminal with this environment (a file, since the Kalshi key spans lines):",
);
const envFile = file.replace(/sources\.json$/, "env");
await Deno.writeTextFile(
  envFile,
  Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") +
    "\n",
);
// The README's way of running, on the port the server will use.
const port = Deno.env.get("PORT") || "8000";
console.log(
  `  set -a; . ${envFile}; set +a; PORT=${port} npx -y deno@2.9.6 task start`,
);
console.log(
  `Then open http://127.0.0.1:${port}/?period=ytd (the fixtures' money moved this year).`,
);
console.log("Push to the webhook source (each event counts once):");
const now = Math.floor(Date.now() / 1000);
for (
  const body of [
    '{"id":"evt_demo_1","amount":"12.50"}',
    '{"id":"evt_demo_2","amountMinor":725}',
  ]
) {
  console.log(
    `  curl -s -X POST http://127.0.0.1:${port}/api/ingest/shop -H 'pulse-signature: ${await upstreams
      .sign(body, now)}' -d '${body}'   # valid for 5 minutes`,
  );
}
const mocks = {
  kalshi: upstreams.kalshi,
  anthropic: upstreams.anthropic,
  stripe: upstreams.stripe,
};
const names = Object.keys(mocks).join(", ");
console.log(
  `Type "stop <mock>" or "start <mock>" (${names}) to take one down or bring it back, "status" to list them.`,
);
const down = new Set<string>();
Deno.addSignalListener("SIGINT", async () => {
  await upstreams[Symbol.asyncDispose]();
  Deno.exit(0);
});
for await (const line of textLines(Deno.stdin.readable)) {
  const [verb, name] = line.trim().split(/\s+/);
  const mock = mocks[name as keyof typeof mocks];
  if (verb === "status") {
    for (const n of Object.keys(mocks)) {
      console.log(`${n}: ${down.has(n) ? "stopped" : "running"}`);
    }
  } else if ((verb === "stop" || verb === "start") && mock) {
    if (verb === "stop") {
      await mock.stop();
      down.add(name!);
      console.log(
        `${name} stopped: its source goes stale, then its breaker opens`,
      );
    } else {
      if (down.has(name!)) mock.start();
      down.delete(name!);
      console.log(`${name} running again at ${mock.url}`);
    }
  } else if (verb) {
    console.log(
      `unknown command; try "stop <mock>", "start <mock>" or "status" (mocks: ${names})`,
    );
  }
}
await upstreams[Symbol.asyncDispose]();
