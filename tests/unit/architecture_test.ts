import assert from "node:assert/strict";
import {
  areaCycles,
  areaImports,
  AREAS_BEGIN,
  AREAS_END,
  areaTable,
} from "../../scripts/area_imports.ts";

Deno.test("lib areas import each other without cycles, and only through lib", async () => {
  const imports = await areaImports();
  assert.deepEqual(areaCycles(imports), []);
  const outside = [...imports].flatMap(([area, to]) =>
    to.filter((t) => t.startsWith("(outside")).map((t) => `${area} ${t}`)
  );
  assert.deepEqual(
    outside,
    [],
    "lib never imports routes, islands or components",
  );
});

Deno.test("the data path points one way: the browser-safe core imports no server area, and the hub knows no sources, caches or Redis", async () => {
  const imports = await areaImports();
  const core = [
    "protocol",
    "time",
    "resilience",
    "client",
    "money",
    "intl_formats",
  ];
  for (const area of core) {
    const server = (imports.get(area) ?? []).filter((t) => !core.includes(t));
    assert.deepEqual(server, [], `${area} imports server areas`);
  }
  for (const area of ["sources", "cache", "aggregate", "redis", "cluster"]) {
    assert.ok(!imports.get("stream")?.includes(area), `stream imports ${area}`);
  }
  for (const area of ["aggregate", "stream", "cluster"]) {
    assert.ok(
      !imports.get("sources")?.includes(area),
      `sources imports ${area}`,
    );
  }
});

Deno.test("docs/architecture.md shows the area imports as the code has them", async () => {
  const doc = await Deno.readTextFile(
    new URL("../../docs/architecture.md", import.meta.url),
  );
  const from = doc.indexOf(AREAS_BEGIN);
  const to = doc.indexOf(AREAS_END);
  assert.ok(from >= 0 && to > from, "the generated block's markers");
  const documented = doc.slice(from + AREAS_BEGIN.length, to).trim()
    .replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---");
  const expected = areaTable(await areaImports()).replace(/\s*\|\s*/g, "|");
  assert.equal(documented, expected, "stale: run `deno task docs`");
});

Deno.test("the vendors' SDKs (stripe, kalshi-typescript) are test-only imports: nothing the server runs loads them", async () => {
  const root = new URL("../../", import.meta.url);
  const offenders: string[] = [];
  const walk = async (dir: URL, rel: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${rel}${entry.name}`;
      if (entry.isDirectory) {
        if (!entry.name.startsWith(".") && entry.name !== "_islands") {
          await walk(new URL(`${entry.name}/`, dir), `${path}/`);
        }
      } else if (/\.tsx?$/.test(entry.name)) {
        const text = await Deno.readTextFile(new URL(entry.name, dir));
        if (/from "(npm:)?(stripe|kalshi-typescript)(@[^"]*)?"/.test(text)) {
          offenders.push(path);
        }
      }
    }
  };
  for (const dir of ["lib", "routes", "islands", "components", "scripts"]) {
    await walk(new URL(`${dir}/`, root), `${dir}/`);
  }
  const main = await Deno.readTextFile(new URL("main.ts", root));
  if (/from "(stripe|kalshi-typescript)"/.test(main)) offenders.push("main.ts");
  assert.deepEqual(offenders, []);
});

Deno.test("no module of lib imports itself back through others: the file-level import graph has no cycle", async () => {
  const { dirname, join, relative } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const root = fileURLToPath(new URL("../../lib", import.meta.url));
  const graph = new Map<string, string[]>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (/\.tsx?$/.test(entry.name)) {
        const text = await Deno.readTextFile(path);
        graph.set(
          path,
          [...text.matchAll(/(?:from|import) "(\.{1,2}\/[^"]+)"/g)].map((m) =>
            join(dirname(path), m[1]!)
          ),
        );
      }
    }
  };
  await walk(root);
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") {
        cycles.push(
          [...stack.slice(stack.indexOf(next)), next].map((p) =>
            relative(root, p)
          ).join(" -> "),
        );
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  assert.deepEqual(cycles, []);
});
