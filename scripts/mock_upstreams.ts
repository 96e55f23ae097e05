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
console.log(`  set -a; . ${envFile}; set +a; deno task start`);
console.log("Push to the webhook source:");
const body = '{"id":"evt_demo_1","amount":"19.99"}';
console.log(
  `  curl -s -X POST localhost:8000/api/ingest/shop -H 'pulse-signature: ${await upstreams
    .sign(
      body,
      Math.floor(Date.now() / 1000),
    )}' -d '${body}'   # valid for 5 minutes`,
);
Deno.addSignalListener("SIGINT", async () => {
  await upstreams[Symbol.asyncDispose]();
  Deno.exit(0);
});
