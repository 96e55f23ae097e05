/**
 * The settings table of docs/configuration.md, rendered from the
 * declarations in lib/config.ts, and the marked region it lives in.
 */
import { SETTINGS } from "@/lib/config.ts";

/** Opens the generated region. */
export const BEGIN =
  "<!-- generated from lib/config.ts by `deno task docs`: edit there -->";
/** Closes it. */
export const END = "<!-- end of generated settings -->";

/** The table's rows as cells, header first. */
export function settingsRows(): string[][] {
  return [
    ["variable", "meaning", "accepted", "default"],
    ...SETTINGS.map((s) => [
      `\`${s.variable}\``,
      s.meaning,
      s.accepted,
      s.fallback,
    ]),
  ];
}

/** The table as Markdown (before `deno fmt` pads it). */
export function settingsTable(): string {
  const [head, ...rows] = settingsRows();
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head!), line(head!.map(() => "---")), ...rows.map(line)].join(
    "\n",
  );
}

/**
 * The cells of the table inside the generated region of `markdown`, or
 * `undefined` when the markers are missing.
 */
export function documentedRows(markdown: string): string[][] | undefined {
  const from = markdown.indexOf(BEGIN);
  const to = markdown.indexOf(END);
  if (from < 0 || to < from) return undefined;
  return markdown.slice(from + BEGIN.length, to).split("\n")
    .filter((l) => l.startsWith("|") && !/^\|\s*-/.test(l))
    .map((l) => l.slice(1, -1).split(" | ").map((c) => c.trim()));
}
