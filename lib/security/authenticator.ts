/**
 * Who may use the API: API tokens (`Authorization: Bearer`, compared as
 * SHA-256 digests in constant time and kept only hashed), HttpOnly session
 * cookies for browsers, and short-lived signed tickets for WebSocket and
 * SSE, which browsers cannot give headers.
 * Over 300 lines, kept whole: every credential (token, session, ticket,
 * viewer link) is signed with one key and checked against the same
 * revocations (its token, its share link), so they stay in one class.
 *
 * @module
 */
import type { SessionKeySource } from "./session_key.ts";
import { createHash } from "node:crypto";
import type { Clock } from "../time/mod.ts";
import { importKey, sign, verify } from "./signed.ts";

/** The cookie that carries a browser session. */
export const SESSION_COOKIE = "pulse_session";

/** Options for {@linkcode Authenticator}. */
export interface AuthenticatorOptions {
  /** Accepted API tokens; empty means the server is open. */
  tokens: readonly string[];
  /** Key for cookies and tickets. */
  secret: string;
  /** Time source for expiry. */
  clock: Clock;
  /**
   * How long a ticket may be used to open a connection, ms.
   * @default {60000}
   */
  ticketTtlMs?: number;
  /**
   * How long a browser session lasts, ms.
   * @default {43200000} (12 h)
   */
  sessionTtlMs?: number;
  /**
   * Whether a share link was revoked (see ViewerLinks): what it signed in
   * ends with it.
   * @default {() => false}
   */
  revoked?: (linkId: string) => boolean;
  /**
   * Told when a share link, or a screen it signed in, is used.
   * @default {() => {}}
   */
  onLinkUsed?: (linkId: string) => void;
}

/** The longest a viewer session lasts, ms (browsers keep a cookie 400 days). */
const MAX_VIEWER_SESSION_MS = 400 * 86_400_000;
/** A link that never ends is signed as valid this long, ms (a century). */
const NEVER_MS = 100 * 366 * 86_400_000;

/** A request's credential, when valid. */
export interface Principal {
  /** How it authenticated. */
  via: "open" | "token" | "session" | "ticket";
  /** When the credential stops being valid (epoch ms), or 0 for never. */
  until: number;
  /** The API token it descends from (a digest prefix), when one. */
  tokenId?: string;
  /**
   * `operator` (an API token and what it signs in) or `viewer` (from a
   * viewer link: reads boards, not /admin, /metrics or the admin topic).
   */
  role: "operator" | "viewer";
  /** A ticket's own id, when it came by ticket (a poll holds it). */
  ticketId?: string;
  /** The share link it descends from, for a viewer. */
  linkId?: string;
}

/** Checks and issues credentials. */
export class Authenticator {
  #digests: Uint8Array[];
  #tokenIds: Set<string>;
  /** Tickets taken, by id, until they expire (each is good for one connection). */
  #usedTickets = new Map<string, number>();
  #key: Promise<CryptoKey>;
  #clock: Clock;
  #ticketTtlMs: number;
  #sessionTtlMs: number;
  #tokenCount: number;
  #revoked: (linkId: string) => boolean;
  #onLinkUsed: (linkId: string) => void;
  readonly enabled: boolean;

  /** Prepares the token digests and the signing key. */
  constructor(options: AuthenticatorOptions) {
    const {
      tokens,
      secret,
      clock,
      ticketTtlMs = 60_000,
      sessionTtlMs = 12 * 3_600_000,
      revoked = () => false,
      onLinkUsed = () => {},
    } = options;
    this.#revoked = revoked;
    this.#onLinkUsed = onLinkUsed;
    this.enabled = tokens.length > 0;
    this.#tokenCount = tokens.length;
    this.#digests = tokens.map(digest);
    this.#tokenIds = new Set(this.#digests.map(tokenIdOf));
    this.#key = importKey(secret);
    this.#clock = clock;
    this.#ticketTtlMs = ticketTtlMs;
    this.#sessionTtlMs = sessionTtlMs;
  }

  /**
   * How the board is protected, for the start-up log (no secrets).
   *
   * @param key Where the signing key came from.
   */
  describe(key: SessionKeySource): string {
    if (!this.enabled) {
      return "open: no PULSE_TOKENS configured, anyone who can reach this address can read it";
    }
    return `on: ${this.#tokenCount} API token(s); session key ${
      key.kind === "setting"
        ? "from PULSE_SESSION_SECRET"
        : key.kind === "shared"
        ? "kept in Redis for the cluster"
        : key.kind === "file"
        ? `kept in ${key.path} (sessions outlive restarts)`
        : `random per start, because ${key.reason} (sessions end on restart)`
    }`;
  }

  /**
   * Whether `token` is one of the API tokens (constant time over all of
   * them). Synchronous on purpose: a caller that counts failures checks
   * and counts in one turn, so concurrent guesses cannot all pass a
   * lockout check before the first is counted.
   */
  checkToken(token: string): boolean {
    const candidate = digest(token);
    let match = false;
    for (const d of this.#digests) match = equal(d, candidate) || match;
    return match;
  }

  /** The id sessions and tickets minted from `token` carry (not a secret). */
  tokenId(token: string): string {
    return tokenIdOf(digest(token));
  }

  /**
   * The request's principal: open mode, a Bearer token, a session cookie,
   * or (when `allowTicket`) a `?ticket=`. `undefined` when none is valid.
   */
  async authenticate(
    req: Request,
    allowTicket: boolean,
  ): Promise<Principal | undefined> {
    if (!this.enabled) return { via: "open", until: 0, role: "operator" };
    const now = this.#clock.now();
    const auth = req.headers.get("authorization");
    if (auth?.startsWith("Bearer ")) {
      const token = auth.slice(7).trim();
      return this.checkToken(token)
        ? {
          via: "token",
          until: 0,
          tokenId: this.tokenId(token),
          role: "operator",
        }
        : undefined;
    }
    if (allowTicket) {
      const ticket = new URL(req.url).searchParams.get("ticket");
      if (ticket) {
        const p = await verify(ticket, await this.#key, "ticket", now);
        // A ticket opens one stream; the polls of one long-poll connection
        // share theirs until it expires (each poll is a request).
        const stream = !new URL(req.url).pathname.endsWith("/api/poll");
        if (
          p && this.#current(p.tid) && this.#linkStands(p.lid) &&
          (!stream || this.#take(p.jti, p.exp, now))
        ) {
          return {
            via: "ticket",
            until: p.until ?? 0,
            tokenId: p.tid,
            role: p.role ?? "operator",
            ...(p.jti ? { ticketId: p.jti } : {}),
            ...(p.lid ? { linkId: p.lid } : {}),
          };
        }
        // An expired ticket may travel with a valid session cookie: try that.
      }
    }
    const session = cookie(req.headers.get("cookie"), SESSION_COOKIE);
    if (session) {
      const p = await verify(session, await this.#key, "session", now);
      return p && this.#current(p.tid) && this.#linkStands(p.lid)
        ? {
          via: "session",
          until: p.exp,
          tokenId: p.tid,
          role: p.role ?? "operator",
          ...(p.lid ? { linkId: p.lid } : {}),
        }
        : undefined;
    }
    return undefined;
  }

  /**
   * Whether a credential minted from token `tid` still stands: its token
   * is still configured. Credentials from before token ids (none) pass
   * only while some token is configured.
   */
  #current(tid: string | undefined): boolean {
    return tid === undefined
      ? this.#tokenIds.size > 0
      : this.#tokenIds.has(tid);
  }

  /** Whether the share link a credential descends from (if any) stands; notes its use. */
  #linkStands(lid: string | undefined): boolean {
    if (lid === undefined) return true;
    if (this.#revoked(lid)) return false;
    this.#onLinkUsed(lid);
    return true;
  }

  /**
   * Takes ticket `jti` for one connection: `false` when it was taken
   * before (a replayed URL). Remembered only until the ticket expires, so
   * the set stays as small as the tickets alive.
   */
  #take(jti: string | undefined, exp: number, now: number): boolean {
    if (jti === undefined) return false;
    if (this.#usedTickets.size > 1_000) {
      for (const [id, until] of this.#usedTickets) {
        if (until <= now) this.#usedTickets.delete(id);
      }
    }
    if (this.#usedTickets.has(jti)) return false;
    this.#usedTickets.set(jti, exp);
    return true;
  }

  /** A ticket for one connection, bound to the minting credential's expiry. */
  async issueTicket(
    principal: Principal,
  ): Promise<{ ticket: string; expiresAt: number }> {
    const expiresAt = this.#clock.now() + this.#ticketTtlMs;
    const ticket = await sign({
      kind: "ticket",
      exp: expiresAt,
      until: principal.until,
      tid: principal.tokenId,
      jti: crypto.randomUUID(),
      ...(principal.role === "viewer" ? { role: "viewer" as const } : {}),
      ...(principal.linkId ? { lid: principal.linkId } : {}),
    }, await this.#key);
    return { ticket, expiresAt };
  }

  /**
   * A read-only viewer link for `principal` (an operator): signed, valid
   * for `ttlMs` (null: it never ends), ended early by revoking it (its
   * `id`), removing the minting token or rotating the secret.
   *
   * @param principal Who makes it.
   * @param link Its lifetime, id and where it opens.
   * @throws {RangeError} When `ttlMs` is not 1 minute to 366 days, or null.
   */
  async issueViewerLink(
    principal: Principal,
    link: { ttlMs: number | null; id?: string; opens?: string },
  ): Promise<{ link: string; expiresAt: number | null }> {
    const { ttlMs } = link;
    if (ttlMs !== null && !(ttlMs >= 60_000 && ttlMs <= 366 * 86_400_000)) {
      throw new RangeError(
        `A viewer link lasts from 1 minute to 366 days, or never ends; received ${ttlMs} ms`,
      );
    }
    const now = this.#clock.now();
    const signed = await sign({
      kind: "view",
      exp: now + (ttlMs ?? NEVER_MS),
      tid: principal.tokenId,
      role: "viewer",
      ...(link.id ? { lid: link.id } : {}),
      ...(link.opens ? { to: link.opens } : {}),
    }, await this.#key);
    return { link: signed, expiresAt: ttlMs === null ? null : now + ttlMs };
  }

  /**
   * A viewer session cookie for a valid viewer link, lasting as long as
   * the link (at most 400 days; opening the link again renews it), and
   * where the link opens; `undefined` for an expired, tampered or revoked
   * link.
   */
  async redeemViewerLink(
    link: string,
  ): Promise<
    | { value: string; maxAgeS: number; opens?: string; linkId?: string }
    | undefined
  > {
    const now = this.#clock.now();
    const p = await verify(link, await this.#key, "view", now);
    if (!p || !this.#current(p.tid) || !this.#linkStands(p.lid)) {
      return undefined;
    }
    const exp = Math.min(p.exp, now + MAX_VIEWER_SESSION_MS);
    return {
      value: await sign(
        {
          kind: "session",
          exp,
          tid: p.tid,
          role: "viewer",
          ...(p.lid ? { lid: p.lid } : {}),
        },
        await this.#key,
      ),
      maxAgeS: Math.floor((exp - now) / 1000),
      ...(p.to ? { opens: p.to } : {}),
      ...(p.lid ? { linkId: p.lid } : {}),
    };
  }

  /**
   * A session cookie value and its lifetime.
   *
   * @param token The API token signed in with: removing it from the
   *   configuration ends the session.
   */
  async issueSession(
    token: string,
  ): Promise<{ value: string; maxAgeS: number }> {
    const exp = this.#clock.now() + this.#sessionTtlMs;
    return {
      value: await sign(
        { kind: "session", exp, tid: this.tokenId(token) },
        await this.#key,
      ),
      maxAgeS: Math.floor(this.#sessionTtlMs / 1000),
    };
  }
}

function digest(text: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(text, "utf8").digest());
}

function tokenIdOf(digest: Uint8Array): string {
  let hex = "";
  for (const b of digest.subarray(0, 8)) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  }
  return diff === 0;
}

function cookie(header: string | null, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}
