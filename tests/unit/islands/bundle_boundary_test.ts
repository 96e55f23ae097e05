/**
 * The island bundle's boundary: starting from what scripts/build.ts
 * bundles (every island and lib/islands/hydrate.ts), follow each import
 * that survives compilation (not `import type`) and check that only
 * browser-safe code is reached. Fails when an island, or anything it
 * imports, pulls in server code (the hub, caches, Redis, SQLite, sources).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Folders and files a browser may load. */
const BROWSER_SAFE = [
  "islands/",
  "lib/client/",
  "lib/protocol/",
  "lib/time/",
  "lib/resilience/",
  "lib/islands/",
  "lib/money.ts",
  "lib/intl_formats.ts",
];
/** Packages a browser may load. */
const BROWSER_PACKAGES = /^(preact|preact\/hooks|@preact\/signals)$/;

const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*"([^"]+)"/g;

function valueSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const [, , typeOnly, clause = "", spec = ""] = m;
    if (typeOnly) continue;
    // `import { type A, type B }` is erased too.
    const names = /^\{([^}]*)\}$/.exec(clause.trim())?.[1];
    if (
      names !== undefined && names.split(",").map((n) => n.trim()).filter(
        Boolean,
      ).every((n) => n.startsWith("type "))
    ) continue;
    out.push(spec);
  }
  return out;
}

async function reach(): Promise<{ files: Set<string>; packages: Set<string> }> {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = ["lib/islands/hydrate.ts"];
  for await (const e of Deno.readDir(`${ROOT}islands`)) {
    if (e.isFile && e.name.endsWith(".tsx")) queue.push(`islands/${e.name}`);
  }
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    for (const spec of valueSpecifiers(text)) {
      if (spec.startsWith("@/")) queue.push(spec.slice(2));
      else if (spec.startsWith(".")) {
        const url = new URL(spec, `file:///${file}`);
        queue.push(decodeURIComponent(url.pathname.slice(1)));
      } else packages.add(spec);
    }
  }
  return { files, packages };
}

Deno.test("the island bundle reaches only browser-safe modules: no hub, cache, Redis, SQLite or sources code", async () => {
  const { files, packages } = await reach();
  assert.ok(files.has("lib/client/mod.ts"), "the walk follows imports");
  assert.ok(files.has("lib/protocol/mod.ts"), "the walk reaches the protocol");
  const outside = [...files].filter((f) =>
    !BROWSER_SAFE.some((safe) => f === safe || f.startsWith(safe))
  );
  assert.deepEqual(outside, [], "server modules in the island bundle");
  const foreign = [...packages].filter((p) => !BROWSER_PACKAGES.test(p));
  assert.deepEqual(foreign, [], "server packages in the island bundle");
  for (const file of files) {
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    assert.doesNotMatch(
      text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""),
      /\bDeno\./,
      `${file} uses Deno APIs`,
    );
  }
});

Deno.test("the island bundle check sees a value import of server code", () => {
  assert.deepEqual(
    valueSpecifiers(
      'import type { Hub } from "@/lib/stream/mod.ts";\n' +
        'import { type A, type B } from "../cache/mod.ts";\n' +
        'import { Hub as H } from "@/lib/stream/mod.ts";\n' +
        'export { x } from "./x.ts";',
    ),
    ["@/lib/stream/mod.ts", "./x.ts"],
  );
});
