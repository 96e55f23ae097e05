/**
 * Writes the generated parts of docs/ (`deno task docs`): the settings
 * table of configuration.md, the sources file's JSON Schema, the field
 * reference of sources.md, and the area imports of architecture.md. Tests
 * fail when any is stale.
 */
// deno-lint-ignore-file no-console -- a command-line script
import { sourcesFileSchema } from "@/lib/sources/mod.ts";
import { alertingSchemas } from "@/lib/alerts/mod.ts";
import { BEGIN, END, settingsTable } from "./settings_table.ts";
import {
  ALERT_FIELDS_BEGIN,
  ALERT_FIELDS_END,
  alertFieldsMarkdown,
  FIELDS_BEGIN,
  FIELDS_END,
  kindFieldsMarkdown,
} from "./kind_fields.ts";
import {
  areaImports,
  AREAS_BEGIN,
  AREAS_END,
  areaTable,
} from "./area_imports.ts";

const docs = new URL("../docs/", import.meta.url);

const configuration = new URL("configuration.md", docs);
const text = await Deno.readTextFile(configuration);
const from = text.indexOf(BEGIN);
const to = text.indexOf(END);
if (from < 0 || to < from) {
  console.error(
    `${configuration.pathname}: the markers ${BEGIN} and ${END} are missing`,
  );
  Deno.exit(1);
}
await Deno.writeTextFile(
  configuration,
  `${text.slice(0, from)}${BEGIN}\n\n${settingsTable()}\n\n${text.slice(to)}`,
);
const schema = new URL("pulse-config.schema.json", docs);
await Deno.writeTextFile(
  schema,
  JSON.stringify(sourcesFileSchema(alertingSchemas()), null, 2) + "\n",
);
const architecture = new URL("architecture.md", docs);
const map = await Deno.readTextFile(architecture);
const a = map.indexOf(AREAS_BEGIN);
const b = map.indexOf(AREAS_END);
if (a < 0 || b < a) {
  console.error(
    `${architecture.pathname}: the markers ${AREAS_BEGIN} and ${AREAS_END} are missing`,
  );
  Deno.exit(1);
}
await Deno.writeTextFile(
  architecture,
  `${map.slice(0, a)}${AREAS_BEGIN}\n\n${areaTable(await areaImports())}\n\n${
    map.slice(b)
  }`,
);
const sources = new URL("sources.md", docs);
const guide = await Deno.readTextFile(sources);
const f = guide.indexOf(FIELDS_BEGIN);
const g = guide.indexOf(FIELDS_END);
if (f < 0 || g < f) {
  console.error(
    `${sources.pathname}: the markers ${FIELDS_BEGIN} and ${FIELDS_END} are missing`,
  );
  Deno.exit(1);
}
await Deno.writeTextFile(
  sources,
  `${guide.slice(0, f)}${FIELDS_BEGIN}

${kindFieldsMarkdown()}

${guide.slice(g)}`,
);
const alertsDoc = new URL("alerts.md", docs);
const alertsText = await Deno.readTextFile(alertsDoc);
const h = alertsText.indexOf(ALERT_FIELDS_BEGIN);
const k = alertsText.indexOf(ALERT_FIELDS_END);
if (h < 0 || k < h) {
  console.error(
    `${alertsDoc.pathname}: the markers ${ALERT_FIELDS_BEGIN} and ${ALERT_FIELDS_END} are missing`,
  );
  Deno.exit(1);
}
await Deno.writeTextFile(
  alertsDoc,
  `${alertsText.slice(0, h)}${ALERT_FIELDS_BEGIN}

${alertFieldsMarkdown()}

${alertsText.slice(k)}`,
);
const fmt = await new Deno.Command(Deno.execPath(), {
  args: [
    "fmt",
    configuration.pathname,
    schema.pathname,
    architecture.pathname,
    sources.pathname,
    alertsDoc.pathname,
  ],
}).output();
if (!fmt.success) Deno.exit(1);
console.log(
  `wrote ${configuration.pathname}, ${schema.pathname}, ${sources.pathname}, ${alertsDoc.pathname} and ${architecture.pathname}`,
);
