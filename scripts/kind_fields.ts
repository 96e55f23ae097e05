/**
 * The field reference of docs/sources.md, generated from the same
 * declarations the server validates with (through the JSON Schema), so
 * the docs list every field of every kind and cannot drift.
 */
import { sourcesFileSchema } from "@/lib/sources/mod.ts";

/** Where the generated reference begins in docs/sources.md. */
export const FIELDS_BEGIN =
  "<!-- generated from the kinds' declarations by `deno task docs`: edit there -->";
/** Where it ends. */
export const FIELDS_END = "<!-- end of generated field reference -->";

type Schema = Record<string, unknown>;

/** The reference: one table per kind, every field with its rules. */
export function kindFieldsMarkdown(): string {
  const schema = sourcesFileSchema() as Schema;
  const sources = (schema.properties as Record<string, Schema>).sources!;
  const variants = (sources.items as Schema).oneOf as Schema[];
  return variants.map((variant) => {
    const props = variant.properties as Record<string, Schema>;
    const kind = String((props.kind as Schema).const);
    const required = new Set(variant.required as string[]);
    const rows = Object.entries(props)
      .filter(([name]) => name !== "kind")
      .map(([name, p]) =>
        `| \`${name}\` | ${cell(String(p.description ?? ""))} | ${
          cell(accepted(p))
        } | ${
          required.has(name)
            ? "required"
            : p.default !== undefined
            ? cell(`\`${JSON.stringify(p.default)}\``)
            : "optional"
        } |`
      );
    return [
      `### \`${kind}\` fields`,
      "",
      cell(String(variant.description ?? "")),
      "",
      "| field | meaning | accepted | default |",
      "| --- | --- | --- | --- |",
      ...rows,
    ].join("\n");
  }).join("\n\n");
}

/** The rows of the reference as written in a document, for staleness tests. */
export function documentedFields(markdown: string): string {
  const from = markdown.indexOf(FIELDS_BEGIN);
  const to = markdown.indexOf(FIELDS_END);
  if (from < 0 || to < from) return "";
  return normalize(markdown.slice(from + FIELDS_BEGIN.length, to));
}

/** The reference normalized the same way, for comparison. */
export function expectedFields(): string {
  return normalize(kindFieldsMarkdown());
}

/** Rows without the alignment, and prose without the wrapping, `deno fmt` adds. */
function normalize(text: string): string {
  return text.split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== "")
    .map((block) =>
      block.startsWith("|")
        ? block.split("\n").map((line) =>
          line.split("|").map((c) => c.trim().replace(/^-+$/, "---")).join(
            "|",
          )
        ).join("\n")
        : block.split(/\s+/).join(" ")
    )
    .join("\n\n");
}

function accepted(p: Schema): string {
  if (Array.isArray(p.enum)) return p.enum.map((v) => `\`${v}\``).join(", ");
  switch (p.type) {
    case "integer":
      return `integer ${p.minimum ?? ""}-${p.maximum ?? ""}`;
    case "number":
      return "number";
    case "boolean":
      return "`true` or `false`";
    case "array":
      return "a list";
    case "object":
      return "an object";
    case "string":
      return p.format === "uri"
        ? "an http(s) URL"
        : p.pattern
        ? `text matching \`${p.pattern}\``
        : `text, up to ${p.maxLength ?? "any"} characters`;
    default:
      return "";
  }
}

/** Text safe inside a table cell. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
