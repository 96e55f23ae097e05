/**
 * The field-validation language that sources files and alert rules share:
 * field types (strings, integers, one-of, lists, URLs, secrets by
 * variable name), objects of fields with defaults, their JSON Schemas,
 * and errors that name their place, what was found and what is accepted.
 *
 * @module
 */
export {
  bool,
  collectErrors,
  currencyCode,
  describeFound,
  envName,
  type Field,
  type Fields,
  type FieldType,
  httpUrl,
  int,
  isoDate,
  jsonPointer,
  type JsonSchema,
  listOf,
  nested,
  objectSchema,
  oneOf,
  type Parsed,
  parseObject,
  positiveDecimal,
  SpecError,
  SpecErrors,
  str,
  stringMap,
  throwCollected,
  timeZoneName,
} from "./spec.ts";
