/**
 * Which lib area imports which, read from the code: the table in
 * docs/architecture.md (written by `deno task docs`) and the rules a test
 * holds the tree to (no cycles; the browser-safe core imports nothing of
 * the server).
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const LIB = fileURLToPath(new URL("../lib/", import.meta.url));

/** Start of the generated block in docs/architecture.md. */
export const AREAS_BEGIN = "<!-- area-imports:begin (deno task docs) -->";
/** End of the generated block. */
export const AREAS_END = "<!-- area-imports:end -->";

/** A lib area: a folder, or a file at lib's root (without `.ts`). */
function areaOf(relative: string): string {
  const [first = "", ...rest] = relative.split("/");
  return rest.length > 0 ? first : first.replace(/\.tsx?$/, "");
}

/**
 * For each area, the other areas its modules import (relative imports
 * only; `@/` is not used inside lib).
 *
 * @returns Area -> sorted imported areas.
 */
export async function areaImports(): Promise<Map<string, string[]>> {
  const edges = new Map<string, Set<string>>();
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(`${LIB}${dir}`)) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(path);
      else if (/\.tsx?$/.test(entry.name)) {
        const from = areaOf(path);
        const set = edges.get(from) ?? new Set<string>();
        edges.set(from, set);
        const text = await Deno.readTextFile(`${LIB}${path}`);
        for (const [, spec = ""] of text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
          const target = new URL(spec, `file:///lib/${path}`).pathname;
          if (!target.startsWith("/lib/")) {
            set.add(`(outside lib: ${target.slice(1)})`);
            continue;
          }
          const to = areaOf(target.slice("/lib/".length));
          if (to !== from) set.add(to);
        }
      }
    }
  };
  await walk("");
  return new Map(
    [...edges].sort(([a], [b]) => a.localeCompare(b)).map((
      [area, set],
    ) => [area, [...set].sort()]),
  );
}

/** The markdown table of {@linkcode areaImports}. */
export function areaTable(imports: Map<string, string[]>): string {
  const rows = [...imports].map(([area, to]) =>
    `| \`${area}\` | ${
      to.length ? to.map((t) => `\`${t}\``).join(", ") : "nothing"
    } |`
  );
  return ["| area | imports |", "| --- | --- |", ...rows].join("\n");
}

/** The cycles between areas, each as a path that returns to its start. */
export function areaCycles(imports: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const visit = (node: string, path: string[]) => {
    for (const next of imports.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) cycles.push([...path.slice(at), next]);
      else visit(next, [...path, next]);
    }
  };
  for (const area of imports.keys()) visit(area, [area]);
  return cycles;
}
