// deno-lint-ignore-file no-console -- a command-line script: the terminal is its interface
/**
 * Starts local Kalshi, Anthropic and Stripe mocks (the ones the tests use)
 * and writes a sources file naming them plus a webhook source, so the
 * sources can be tried without accounts: `deno task mocks`, then start the
 * server with the printed environment. Stops on Ctrl-C.
 */
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
Deno.addSignalListener("SIGINT", async () => {
  await upstreams[Symbol.asyncDispose]();
  Deno.exit(0);
});
