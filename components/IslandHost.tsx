/**
 * Server-only: renders an island's first paint and places its props next
 * to it, where `lib/islands` hydration finds them in the browser.
 */
import type { ComponentChildren } from "preact";
import { serializeProps } from "@/lib/islands/mod.ts";

/** Props of {@linkcode IslandHost}. */
export interface IslandHostProps {
  /** The island's name: its file name in `islands/`. */
  name: string;
  /** Unique per page, to pair the island with its props. */
  id: string;
  /** The props the island is rendered and hydrated with. */
  props: unknown;
  /** The island rendered with `props`. */
  children: ComponentChildren;
}

/** Wraps an island's server render with its hydration marker and props. */
export function IslandHost(
  { name, id, props, children }: IslandHostProps,
): preact.JSX.Element {
  const propsId = `island-props-${id}`;
  return (
    <>
      <div data-island={name} data-island-props={propsId}>{children}</div>
      <script
        type="application/json"
        id={propsId}
        // deno-lint-ignore react-no-danger -- serializeProps escapes every character that could end the script
        dangerouslySetInnerHTML={{ __html: serializeProps(props) }}
      />
    </>
  );
}
