/**
 * `deno task mocks`: prints the README's way of starting the server on the
 * chosen port, and lets each mock be stopped and started alone from its
 * terminal while the others go on.
 */
import assert from "node:assert/strict";
import { ROOT } from "../_helpers/server_process.ts";
import { eventually } from "../_helpers/eventually.ts";

Deno.test("deno task mocks prints npx commands for the chosen port, and stops and starts one mock alone on request", async () => {
  // Exactly what the task runs, with the permissions it grants.
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  const [deno, ...args] = (config.tasks.mocks as string).split(" ");
  assert.equal(deno, "deno");
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { PORT: "8123", NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out: string[] = [];
  const pump = (async () => {
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      out.push(value);
    }
  })();
  const text = () => out.join("");
  const writer = child.stdin.getWriter();
  const say = (line: string) =>
    writer.write(new TextEncoder().encode(`${line}\n`));
  try {
    await eventually(
      () => text().includes('Type "stop <mock>"') || undefined,
      "the mocks",
    );
    assert.match(text(), /PORT=8123 npx -y deno@2\.9\.6 task start/);
    assert.match(
      text(),
      /curl -s -X POST http:\/\/127\.0\.0\.1:8123\/api\/ingest\/shop/,
    );
    const stripe = /Stripe (http:\/\/127\.0\.0\.1:\d+)/.exec(text())![1]!;
    const kalshi = /Kalshi (http:\/\/127\.0\.0\.1:\d+)/.exec(text())![1]!;
    const answers = async (url: string) => {
      try {
        const res = await fetch(url);
        await res.body?.cancel();
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(await answers(stripe), true);
    await say("stop stripe");
    await eventually(
      () => text().includes("stripe stopped") || undefined,
      "stopped",
    );
    assert.equal(await answers(stripe), false, "Stripe's mock is down");
    assert.equal(await answers(kalshi), true, "the others go on");
    await say("start stripe");
    await eventually(
      () => text().includes("stripe running again") || undefined,
      "started",
    );
    assert.equal(await answers(stripe), true, "on the same address");
    await say("status");
    await eventually(
      () => text().includes("stripe: running") || undefined,
      "status",
    );
  } finally {
    await writer.close();
    assert.equal((await child.status).code, 0);
    await pump;
    await child.stderr.cancel();
  }
});
