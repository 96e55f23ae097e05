/**
 * Islands: props serialization on the server, hydration in the browser.
 *
 * @module
 */
export { serializeProps } from "./serialize_props.ts";
export { hydrateIslands, type IslandRegistry } from "./hydrate.ts";
