/**
 * The field reference of docs/sources.md, generated from the same
 * declarations the server validates with (through the JSON Schema), so
 * the docs list every field of every kind and cannot drift.
 */
import { sourcesFileSchema } from "@/lib/sources/mod.ts";
import { alertingSchemas } from "@/lib/alerts/mod.ts";

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
    return fieldTable(`### \`${kind}\` fields`, variant);
  }).join("\n\n");
}

/** Where the generated alert reference begins in docs/alerts.md. */
export const ALERT_FIELDS_BEGIN =
  "<!-- generated from lib/alerts/rule.ts by `deno task docs`: edit there -->";
/** Where it ends. */
export const ALERT_FIELDS_END = "<!-- end of generated alert reference -->";

/** The alert reference: a rule's fields, a digest's, then each channel kind's. */
export function alertFieldsMarkdown(): string {
  const { alerts, channels, digests } = alertingSchemas() as Record<
    string,
    Schema
  >;
  const rule = fieldTable("### Rule fields", alerts!.items as Schema);
  const digest = fieldTable("### Digest fields", digests!.items as Schema);
  const kinds = ((channels!.items as Schema).oneOf as Schema[]).map((v) => {
    const kind = String(
      ((v.properties as Record<string, Schema>).kind as Schema).const,
    );
    return fieldTable(`### \`${kind}\` channel fields`, v);
  });
  return [rule, digest, ...kinds].join("\n\n");
}

/** One object's fields as a table under a title. */
function fieldTable(title: string, variant: Schema): string {
  const props = variant.properties as Record<string, Schema>;
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
    title,
    ...(variant.description ? ["", cell(String(variant.description))] : []),
    "",
    "| field | meaning | accepted | default |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** The rows of a reference as written in a document, for staleness tests. */
export function documentedFields(
  markdown: string,
  begin = FIELDS_BEGIN,
  end = FIELDS_END,
): string {
  const from = markdown.indexOf(begin);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) return "";
  return normalize(markdown.slice(from + begin.length, to));
}

/** A reference normalized the same way, for comparison. */
export function expectedFields(markdown = kindFieldsMarkdown()): string {
  return normalize(markdown);
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
    case undefined:
      return Array.isArray(p.oneOf) ? "a number or a decimal string" : "";
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
