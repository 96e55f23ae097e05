/**
 * The browser half of islands: finds each server-rendered island and
 * hydrates it with the props the server serialized next to it.
 *
 * @module
 */
import { type ComponentType, h, hydrate } from "preact";

/** Island components by name. */
// deno-lint-ignore no-explicit-any -- each island has its own props type; the registry holds them all
export type IslandRegistry = Record<string, ComponentType<any>>;

/**
 * Hydrates every `[data-island]` element under `root` whose name is in
 * `registry`, with props parsed from its `<script type="application/json">`.
 *
 * @param registry The island components by name.
 * @param root Where to look.
 * @returns How many islands were hydrated.
 */
export function hydrateIslands(
  registry: IslandRegistry,
  root: Document = document,
): number {
  let count = 0;
  for (const el of root.querySelectorAll<HTMLElement>("[data-island]")) {
    const name = el.dataset.island ?? "";
    const component = Object.hasOwn(registry, name)
      ? registry[name]
      : undefined;
    const propsEl = root.getElementById(el.dataset.islandProps ?? "");
    if (!component || !propsEl) continue;
    hydrate(h(component, JSON.parse(propsEl.textContent ?? "{}")), el);
    count++;
  }
  return count;
}
