/**
 * `GET /static/*`: files under `static/` (styles and the built island
 * bundles), with no path traversal, no listings and exact content types.
 * Text is sent compressed: the bundle's brotli or gzip twin written by the
 * build when the browser accepts it, other text gzipped on the way out.
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

/** The encodings a client accepts (`q=0` excluded), lowercased. */
function acceptedEncodings(header: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (header ?? "").split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (name && !(q && Number(q.slice(2)) === 0)) out.add(name);
  }
  return out;
}

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
    const path = `${deps.staticDir}/${rel}`;
    const text = !type.startsWith("image/") && !type.startsWith("font/");
    const accepted = acceptedEncodings(c.req.header("accept-encoding"));
    let encoding: "br" | "gzip" | undefined;
    let file: Deno.FsFile | undefined;
    if (text) {
      for (const [enc, suffix] of [["br", ".br"], ["gzip", ".gz"]] as const) {
        if (!accepted.has(enc)) continue;
        file = await Deno.open(path + suffix, { read: true }).catch(() =>
          undefined
        );
        if (file) {
          encoding = enc;
          break;
        }
      }
    }
    try {
      file ??= await Deno.open(path, { read: true });
    } catch {
      return undefined;
    }
    const info = await file.stat();
    if (!info.isFile) {
      file.close();
      return undefined;
    }
    // Small text without a precompressed twin (the styles) is gzipped here.
    const gzipOnTheFly = text && !encoding && accepted.has("gzip");
    // Built bundles carry a content hash in their names, so they never change.
    const immutable = rel.startsWith("_islands/") &&
      /-[0-9A-Za-z]{8,}\.js$/.test(rel);
    const head = c.req.method === "HEAD";
    if (head) file.close();
    const body = head
      ? null
      : gzipOnTheFly
      ? file.readable.pipeThrough(new CompressionStream("gzip"))
      : file.readable;
    const sent = encoding ?? (gzipOnTheFly ? "gzip" : undefined);
    return new Response(body, {
      headers: {
        "content-type": type,
        ...(gzipOnTheFly ? {} : { "content-length": String(info.size) }),
        ...(sent ? { "content-encoding": sent } : {}),
        ...(text ? { vary: "Accept-Encoding" } : {}),
        "x-content-type-options": "nosniff",
        "cache-control": immutable
          ? "public, max-age=31536000, immutable"
          : "public, max-age=60",
      },
    });
  };
}
