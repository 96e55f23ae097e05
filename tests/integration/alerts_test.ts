/**
 * Alerts delivered for real: the server in its own process, a webhook
 * source moved by signed deliveries, and real HTTP receivers for the
 * signed webhook and the Slack format. A threshold crossing reaches both
 * within a second, once; a receiver answering 500 then 200 gets it once;
 * a SIGKILL between enqueue and delivery delivers it once after the
 * restart, without firing again.
 */
import assert from "node:assert/strict";
import { verifyWebhook } from "@/lib/security/mod.ts";
import { postSigned } from "../_helpers/ingest.ts";
import {
  type ServerProcess,
  startServerProcess,
} from "../_helpers/server_process.ts";
import { startReceiver } from "../_helpers/receiver.ts";
import { eventually } from "../_helpers/eventually.ts";

const SHOP_SECRET = "whsec_shop";
const OPS_SECRET = "ops-signing-secret";

/** A sources file with a shop webhook and one rule on revenue today. */
async function setUp(opsUrl: string, slackUrl: string) {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/sources.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      title: "Acme P&L",
      sources: [{
        id: "shop",
        kind: "webhook",
        role: "revenue",
        mode: "increment",
        secretEnv: "SHOP_SECRET",
      }],
      alerts: [{
        id: "big-sales",
        figure: "revenue",
        period: "today",
        above: 100,
        severity: "critical",
        notify: ["ops", "chat"],
        description: "Sales passed $100 today",
      }],
      channels: [
        { id: "ops", kind: "webhook", url: opsUrl, secretEnv: "OPS_SECRET" },
        { id: "chat", kind: "slack", urlEnv: "SLACK_URL" },
      ],
    }),
  );
  return {
    dir,
    env: {
      PULSE_CONFIG: file,
      PULSE_DB: `${dir}/pulse.db`,
      SHOP_SECRET,
      OPS_SECRET,
      SLACK_URL: slackUrl,
    },
  };
}

/** Posts a signed increment to the shop source. */
const sell = (server: ServerProcess, id: string, amount: string) =>
  postSigned(server.url, "shop", SHOP_SECRET, { id, amount });

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("alerts: a threshold crossing reaches a signed webhook and Slack within a second, once; the board shows it; the resolve follows", async () => {
  await using ops = startReceiver();
  await using slack = startReceiver();
  const { dir, env } = await setUp(ops.url, slack.url);
  try {
    await using server = await startServerProcess({ env });
    await sell(server, "o1", "60.00");
    await settle(300);
    assert.equal(ops.received.length, 0, "$60 is below the threshold");
    const sold = performance.now();
    await sell(server, "o2", "90.00");
    await eventually(
      () => ops.delivered.length && slack.delivered.length ? true : undefined,
      "both deliveries",
    );
    const latency = Math.max(ops.received[0]!.at, slack.received[0]!.at) -
      sold;
    assert.ok(latency < 1000, `delivered ${latency.toFixed(0)} ms after`);

    const hook = ops.received[0]!;
    await verifyWebhook(
      hook.headers.get("pulse-signature"),
      new TextEncoder().encode(hook.body),
      [OPS_SECRET],
      Date.now(),
      300,
    );
    assert.equal(hook.headers.get("idempotency-key"), "big-sales:1:firing");
    const note = JSON.parse(hook.body);
    assert.equal(note.status, "firing");
    assert.equal(note.severity, "critical");
    assert.equal(note.figure.valueMinor, 15_000);
    assert.equal(note.summary, "Revenue today is $150.00, above $100.00");
    assert.equal(note.board, "Acme P&L");
    const chat = JSON.parse(slack.received[0]!.body);
    assert.match(chat.text, /FIRING: big-sales \(critical\): Revenue today/);
    assert.equal(chat.blocks[0].type, "header");

    const snapshot = await eventually(async () => {
      const s = await (await fetch(new URL("/api/snapshot", server.url)))
        .json();
      return s.data.alerts?.firing?.length ? s : undefined;
    }, "the board's alerts");
    assert.equal(snapshot.data.alerts.firing[0].rule, "big-sales");
    assert.match(snapshot.data.alerts.firing[0].summary, /\$150\.00/);
    const api = await (await fetch(new URL("/api/alerts", server.url))).json();
    assert.equal(api.rules[0].phase, "firing");
    assert.equal(api.rules[0].episode, 1);

    await settle(1_200);
    assert.equal(ops.received.length, 1, "once");
    assert.equal(slack.received.length, 1, "once");

    await sell(server, "r1", "-80.00");
    await eventually(
      () => ops.delivered.length === 2 ? true : undefined,
      "the resolve",
    );
    const resolved = JSON.parse(ops.received[1]!.body);
    assert.equal(resolved.status, "resolved");
    assert.equal(resolved.key, "big-sales:1:resolved");
    assert.ok(resolved.endsAt);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts: a receiver that answers 500 and then 200 gets the notification exactly once, with the same idempotency key", async () => {
  await using ops = startReceiver();
  await using slack = startReceiver();
  ops.script([{ status: 500, body: "busy" }]);
  const { dir, env } = await setUp(ops.url, slack.url);
  try {
    await using server = await startServerProcess({ env });
    await sell(server, "o1", "150.00");
    await eventually(
      () => ops.delivered.length ? true : undefined,
      "the retried delivery",
    );
    await settle(1_500);
    assert.equal(ops.received.length, 2);
    assert.equal(ops.delivered.length, 1);
    assert.deepEqual(
      ops.received.map((r) => r.headers.get("idempotency-key")),
      ["big-sales:1:firing", "big-sales:1:firing"],
    );
    const api = await (await fetch(new URL("/api/alerts", server.url))).json();
    const item = api.deliveries.find((d: { channel: string }) =>
      d.channel === "ops"
    );
    assert.equal(item.attempts, 2);
    assert.ok(item.deliveredAt);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts: SIGKILL between enqueue and delivery: after the restart the notification is delivered once, and the alert does not fire again", async () => {
  await using ops = startReceiver();
  await using slack = startReceiver();
  ops.script([{ hang: true }]);
  const { dir, env } = await setUp(ops.url, slack.url);
  try {
    const first = await startServerProcess({ env });
    await sell(first, "o1", "150.00");
    await eventually(
      () => ops.received.length ? true : undefined,
      "the first attempt",
    );
    assert.equal(await first.stop("SIGKILL"), 137);
    assert.equal(ops.delivered.length, 0, "the receiver never answered");
    await using second = await startServerProcess({ env });
    await eventually(
      () => ops.delivered.length ? true : undefined,
      "the delivery after the restart",
    );
    await settle(1_500);
    assert.equal(ops.delivered.length, 1);
    assert.deepEqual(
      ops.received.map((r) => JSON.parse(r.body).key),
      ["big-sales:1:firing", "big-sales:1:firing"],
      "the same notification, not a second firing",
    );
    assert.equal(slack.delivered.length, 1);
    const api = await (await fetch(new URL("/api/alerts", second.url))).json();
    assert.equal(api.rules[0].phase, "firing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts: `deno task alerts:test RULE` sends a signed test through the rule's channels and exits 0; a receiver that refuses makes it exit 1 with its answer", async () => {
  const { ROOT, taskFlags } = await import("../_helpers/server_process.ts");
  await using ops = startReceiver();
  await using slack = startReceiver();
  const { dir, env } = await setUp(ops.url, slack.url);
  const run = async (...args: string[]) => {
    const { PULSE_CONFIG: file, ...rest } = env;
    const withFile = args.includes("FILE");
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...taskFlags("alerts:test", "scripts/test_alert.ts"),
        "scripts/test_alert.ts",
        ...args.map((a) => a === "FILE" ? file! : a),
      ],
      cwd: ROOT,
      env: { ...(withFile ? rest : env), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return {
      code: out.code,
      out: text.decode(out.stdout) + text.decode(out.stderr),
    };
  };
  try {
    const ok = await run("big-sales");
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /ok: ops took it\nok: chat took it/);
    const note = JSON.parse(ops.received[0]!.body);
    assert.equal(note.status, "test");
    assert.match(
      note.summary,
      /Test of "big-sales": it fires when Revenue today is above \$100\.00/,
    );
    await verifyWebhook(
      ops.received[0]!.headers.get("pulse-signature"),
      new TextEncoder().encode(ops.received[0]!.body),
      [OPS_SECRET],
      Date.now(),
      300,
    );
    slack.script([{ status: 404, body: "no_service" }]);
    const refused = await run("big-sales");
    assert.equal(refused.code, 1);
    assert.match(
      refused.out,
      /failed: chat: the receiver answered 404 no_service/,
    );
    const unknown = await run("big-sale");
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.out,
      /no alert rule has the id "big-sale"; the rules are "big-sales"/,
    );
    // The file alone lists its rules (it is not taken for a rule id); the
    // file first and the rule second works too.
    const fileOnly = await run("FILE");
    assert.equal(fileOnly.code, 1);
    assert.match(
      fileOnly.out,
      /usage: deno task alerts:test RULE_ID \[SOURCES_FILE\]; the rules in .*sources\.json are "big-sales"/,
    );
    slack.script([{ status: 200, body: "ok" }]);
    const reversed = await run("FILE", "big-sales");
    assert.equal(reversed.code, 0, reversed.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts: email over STARTTLS with a login (certificate checked against a private CA) arrives once after a temporary refusal is retried, and the resolve threads under the firing message", async () => {
  const { startSmtpServer, header } = await import(
    "../_helpers/smtp_server.ts"
  );
  await using smtp = await startSmtpServer();
  smtp.refuse(451);
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sources.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        title: "Acme P&L",
        sources: [{
          id: "shop",
          kind: "webhook",
          role: "revenue",
          mode: "increment",
          secretEnv: "SHOP_SECRET",
        }],
        alerts: [{
          id: "big-sales",
          figure: "revenue",
          above: 100,
          severity: "critical",
          notify: ["mail"],
        }],
        channels: [{
          id: "mail",
          kind: "email",
          smtpUrlEnv: "SMTP_URL",
          from: "pulseboard@acme.test",
          to: ["oncall@acme.test"],
          caFile: smtp.caFile,
        }],
      }),
    );
    await using server = await startServerProcess({
      env: {
        PULSE_CONFIG: file,
        PULSE_DB: `${dir}/pulse.db`,
        SHOP_SECRET,
        SMTP_URL: smtp.url,
      },
    });
    await sell(server, "o1", "150.00");
    await eventually(
      () => smtp.mails.length ? true : undefined,
      "the email, after the 451",
    ).catch((error) => {
      throw new Error(`${error.message}\n${server.lines.join("\n")}`);
    });
    const firing = smtp.mails[0]!;
    assert.equal(firing.secure, true, "STARTTLS");
    assert.equal(firing.user, "alerts");
    assert.equal(
      header(firing.raw, "Subject"),
      "[CRITICAL] FIRING: Revenue today is $150.00, above $100.00",
    );
    assert.equal(header(firing.raw, "To"), "oncall@acme.test");
    const id = header(firing.raw, "Message-ID");
    assert.equal(id, "<big-sales.1.firing@pulseboard>");
    await sell(server, "r1", "-100.00");
    await eventually(
      () => smtp.mails.length === 2 ? true : undefined,
      "the resolve",
    );
    const resolved = smtp.mails[1]!;
    assert.match(header(resolved.raw, "Subject")!, /^\[CRITICAL\] RESOLVED:/);
    assert.equal(header(resolved.raw, "In-Reply-To"), id);
    assert.equal(header(resolved.raw, "References"), id);
    await settle(1_000);
    assert.equal(smtp.mails.length, 2, "each once");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts: the console's Send test sends a signed test through the rule's channels and answers how each took it; an unknown rule is a 404, a held-down button is spaced", async () => {
  await using ops = startReceiver();
  await using slack = startReceiver();
  const { dir, env } = await setUp(ops.url, slack.url);
  try {
    await using server = await startServerProcess({ env });
    const test = (rule: string) =>
      fetch(new URL(`/api/admin/alerts/${rule}/test`, server.url), {
        method: "POST",
      });
    const sent = await test("big-sales");
    assert.equal(sent.status, 200);
    assert.deepEqual((await sent.json()).results, [
      { channel: "ops", ok: true },
      { channel: "chat", ok: true },
    ]);
    assert.equal(JSON.parse(ops.received[0]!.body).status, "test");
    const again = await test("big-sales");
    assert.equal(again.status, 429, "at most once every 5 s per rule");
    await again.body?.cancel();
    const unknown = await test("big-sale");
    assert.equal(unknown.status, 404);
    assert.match(
      (await unknown.json()).error.message,
      /no alert rule has the id "big-sale"/,
    );
    // The log line may reach the reader of the server's output later.
    await eventually(
      () =>
        server.lines.some((l) =>
            l.includes('"action":"test"') && l.includes('"rule":"big-sales"')
          )
          ? true
          : undefined,
      "the test's audit line",
      10_000,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts: a silenced rule fires on the board but sends nothing until the silence is lifted, which survives a restart; an acknowledged alert says so on the board", async () => {
  await using ops = startReceiver();
  await using slack = startReceiver();
  const { dir, env } = await setUp(ops.url, slack.url);
  try {
    const console = (server: ServerProcess, action: string, body = {}) =>
      fetch(new URL(`/api/admin/alerts/big-sales/${action}`, server.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const firing = async (server: ServerProcess) =>
      (await (await fetch(new URL("/api/snapshot", server.url))).json()).data
        .alerts?.firing?.[0];
    {
      await using server = await startServerProcess({ env });
      const silenced = await console(server, "silence", { minutes: 60 });
      assert.equal(silenced.status, 202);
      await silenced.body?.cancel();
      for (const minutes of [-1, 1.5, 100_000, "1"]) {
        const bad = await console(server, "silence", { minutes });
        assert.equal(bad.status, 400, JSON.stringify(minutes));
        await bad.body?.cancel();
      }
      const unknown = await fetch(
        new URL("/api/admin/alerts/nope/acknowledge", server.url),
        { method: "POST" },
      );
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
      await settle(300);
      await sell(server, "o1", "150.00");
      const shown = await eventually(() => firing(server), "the board's alert");
      assert.ok(shown.silencedUntil, "the board says it is silenced");
      await settle(1_200);
      assert.equal(ops.received.length, 0, "silenced: nothing sent");
      assert.equal(slack.received.length, 0);
      const acked = await console(server, "acknowledge");
      assert.equal(acked.status, 202);
      await acked.body?.cancel();
      await eventually(
        async () => (await firing(server))?.acknowledgedAt ? true : undefined,
        "the acknowledgement on the board",
      );
    }
    // After a restart the silence and the acknowledgement stand.
    await using again = await startServerProcess({ env });
    const kept = await eventually(() => firing(again), "the alert again");
    assert.ok(kept.silencedUntil && kept.acknowledgedAt, JSON.stringify(kept));
    const lifted = await console(again, "silence", { minutes: 0 });
    assert.equal(lifted.status, 202);
    await lifted.body?.cancel();
    await eventually(
      async () => (await firing(again))?.silencedUntil ? undefined : true,
      "the silence lifted",
    );
    // Lifted: the resolve goes out.
    await sell(again, "r1", "-100.00");
    await eventually(
      () => ops.delivered.length === 1 ? true : undefined,
      "the resolve",
    );
    assert.equal(JSON.parse(ops.received[0]!.body).status, "resolved");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
