/**
 * Finds the built island bundle (`deno task build` writes its manifest
 * under static/_islands) so the pages can load it.
 */
import type { Logger } from "@/lib/log.ts";

/**
 * The bundle's URL, or `undefined` when it was not built (then the pages
 * show figures but do not update, and a warning says how to fix it).
 *
 * @param staticDir The folder served at `/static`.
 * @param log Where the warning goes.
 * @returns `/static/_islands/<hashed name>.js`, or `undefined`.
 */
export async function readIslandScript(
  staticDir: string,
  log: Logger,
): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(
      await Deno.readTextFile(`${staticDir}/_islands/manifest.json`),
    );
    if (typeof manifest.entry === "string") {
      return `/static/_islands/${manifest.entry}`;
    }
  } catch {
    // Reported below.
  }
  log.warn(
    "island bundle not built: the page shows figures but does not update live; run `deno task build`",
  );
  return undefined;
}
