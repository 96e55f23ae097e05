/**
 * The Host allowlist: a board bound to 127.0.0.1 must not answer a page
 * that reached it through another name. DNS rebinding points an
 * attacker's domain at 127.0.0.1, so the victim's browser sends
 * `Host: evil.example` with `Origin: http://evil.example`, which looks
 * same-origin; refusing unknown Host headers on every route closes it.
 *
 * @module
 */

/** Decides which Host headers are served. */
export interface HostPolicy {
  /** Whether a request with this Host header is served. */
  allows(host: string | null): boolean;
  /** The names served, for the refusal's message (`["*"]`: any). */
  readonly names: readonly string[];
}

/** Names that always mean this machine (RFC 6761 for `localhost`). */
const LOOPBACK = ["localhost", "127.0.0.1", "::1", ".localhost"];

/**
 * The host part of a Host header: lowercased, without port, brackets or a
 * trailing dot; `undefined` when it is not a plausible host.
 *
 * @param header A Host header such as `Board.example.com:8000` or `[::1]:8000`.
 * @returns `board.example.com`, `::1`, or `undefined`.
 */
export function hostName(header: string): string | undefined {
  const value = header.trim().toLowerCase();
  const match = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(value) ??
    /^([a-z0-9._-]+?)\.?(?::\d{1,5})?$/.exec(value);
  return match?.[1];
}

/**
 * Builds the policy. Entries are names or addresses (`board.example.com`,
 * `10.0.0.5`, `::1`), a leading dot for a domain and its subdomains
 * (`.example.com`), or `*` for any Host (only where rebinding cannot
 * matter, such as a public hosting platform).
 *
 * @param names The names served besides the loopback ones.
 * @returns The policy.
 *
 * @example A rebinding name is refused, loopback names are served
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostPolicy } from "@/lib/http/hosts.ts";
 * const policy = hostPolicy(["board.example.com"]);
 * assert.equal(policy.allows("127.0.0.1:8000"), true);
 * assert.equal(policy.allows("LOCALHOST:8000"), true);
 * assert.equal(policy.allows("board.example.com"), true);
 * assert.equal(policy.allows("evil.example:8000"), false);
 * assert.equal(policy.allows(null), false);
 * ```
 */
export function hostPolicy(names: readonly string[]): HostPolicy {
  const any = names.includes("*");
  const all = [...new Set([...LOOPBACK, ...names.map((n) => n.toLowerCase())])];
  const exact = new Set(all.filter((n) => !n.startsWith(".")));
  const suffixes = all.filter((n) => n.startsWith("."));
  return {
    names: any ? ["*"] : all,
    allows(header) {
      if (any) return true;
      if (header === null) return false;
      const name = hostName(header);
      if (name === undefined) return false;
      return exact.has(name) ||
        suffixes.some((s) => name.endsWith(s) || name === s.slice(1));
    },
  };
}

/** What {@linkcode servedHosts} resolves the served names from. */
export interface ServedHostsInput {
  /** `PULSE_ALLOWED_HOSTS` (empty: the defaults). */
  configured: readonly string[];
  /** The listening address (`PULSE_HOST`). */
  bound: string;
  /** `PULSE_ALLOWED_ORIGINS`: their hosts are served too. */
  origins: readonly string[];
  /** This machine's name and addresses, asked only for a wildcard bind. */
  machine?: () => readonly string[];
  /** Whether this runs on Deno Deploy (public names only: any Host). */
  deploy: boolean;
}

/**
 * The names served besides loopback ones: the configured list when set,
 * else the bound address, the allowed origins' hosts, and for a wildcard
 * bind (`0.0.0.0`, `::`) this machine's name and addresses.
 *
 * @example Bound to loopback, with a public origin behind a proxy
 * ```ts
 * import assert from "node:assert/strict";
 * import { servedHosts } from "@/lib/http/hosts.ts";
 * assert.deepEqual(
 *   servedHosts({ configured: [], bound: "127.0.0.1", origins: ["https://board.example.com"], deploy: false }),
 *   ["127.0.0.1", "board.example.com"],
 * );
 * ```
 */
export function servedHosts(input: ServedHostsInput): string[] {
  if (input.configured.length > 0) return [...input.configured];
  if (input.deploy) return ["*"];
  const names = [input.bound.toLowerCase().replace(/^\[(.*)\]$/, "$1")];
  for (const origin of input.origins) {
    names.push(new URL(origin).hostname.replace(/^\[(.*)\]$/, "$1"));
  }
  if (["0.0.0.0", "::", ""].includes(names[0]!)) {
    names.shift();
    names.push(...(input.machine?.() ?? []).map((n) => n.toLowerCase()));
  }
  return [...new Set(names)];
}
