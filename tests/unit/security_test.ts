import assert from "node:assert/strict";
import { importKey, sign, verify } from "@/lib/security/mod.ts";

Deno.test("signed credentials: verified when intact, refused when tampered, of another kind, expired or signed with another key", async () => {
  const key = await importKey("k".repeat(32));
  const other = await importKey("o".repeat(32));
  const token = await sign({ kind: "ticket", exp: 2000, until: 0 }, key);
  assert.deepEqual(await verify(token, key, "ticket", 1000), {
    kind: "ticket",
    exp: 2000,
    until: 0,
  });
  assert.equal(await verify(token, key, "session", 1000), undefined);
  assert.equal(
    await verify(token, key, "ticket", 2000),
    undefined,
    "expiry is exclusive",
  );
  assert.equal(await verify(token, other, "ticket", 1000), undefined);
  const [body, mac] = token.split(".") as [string, string];
  const forged = btoa(JSON.stringify({ kind: "ticket", exp: 9e15 })).replace(
    /=+$/,
    "",
  );
  assert.equal(
    await verify(`${forged}.${mac}`, key, "ticket", 1000),
    undefined,
  );
  assert.equal(await verify(`${body}.`, key, "ticket", 1000), undefined);
  assert.equal(await verify("garbage", key, "ticket", 1000), undefined);
  assert.equal(await verify("a".repeat(5000), key, "ticket", 1000), undefined);
});
