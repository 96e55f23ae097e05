/**
 * `GET /static/*`: files under `static/` (styles and the built island
 * bundles), with no path traversal, no listings and exact content types.
 */
import type { Context } from "hono";
import type { AppDeps } from "./deps.ts";

const TYPES: Readonly<Record<string, string>> = Object.freeze({
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
});

/** Builds the static file handler. */
export function staticRoute(
  deps: AppDeps,
): (c: Context) => Promise<Response | undefined> {
  return async function staticFile(c: Context): Promise<Response | undefined> {
    const rel = c.req.path.slice("/static/".length);
    // Only plain names: no "..", no hidden files, no backslashes or encodings.
    if (
      !/^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(
        rel,
      )
    ) {
      return undefined;
    }
    const ext = rel.slice(rel.lastIndexOf("."));
    const type = TYPES[ext];
    if (!type) return undefined;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(`${deps.staticDir}/${rel}`, { read: true });
    } catch {
      return undefined;
    }
    const info = await file.stat();
    if (!info.isFile) {
      file.close();
      return undefined;
    }
    // Built bundles carry a content hash in their names, so they never change.
    const immutable = rel.startsWith("_islands/") &&
      /-[0-9a-f]{8,}\./.test(rel);
    const head = c.req.method === "HEAD";
    if (head) file.close();
    return new Response(head ? null : file.readable, {
      headers: {
        "content-type": type,
        "content-length": String(info.size),
        "x-content-type-options": "nosniff",
        "cache-control": immutable
          ? "public, max-age=31536000, immutable"
          : "public, max-age=60",
      },
    });
  };
}
