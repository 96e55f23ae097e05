/**
 * Share links on `/admin`: a form that makes a named, read-only link to
 * the board (how long it lasts, up to a year or never; a wall screen's
 * kiosk view; the period it opens on), the link to copy once made, and
 * every link with when it was made, when it ends, its last use and a
 * Revoke button that ends that link alone; over `/api/viewer-links`.
 */
import { useEffect, useState } from "preact/hooks";
import { PERIODS } from "./period_view.ts";

interface Link {
  id: string;
  name: string;
  opens: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  status: "active" | "expired" | "revoked";
}

const LIFETIMES = [
  ["24", "1 day"],
  ["168", "7 days"],
  ["720", "30 days"],
  ["2160", "90 days"],
  ["8784", "1 year"],
  ["never", "Never ends"],
] as const;

/** Props of {@linkcode ShareLinks}. */
export interface ShareLinksProps {
  /** Whether the server has authentication on (links need it). */
  authRequired: boolean;
  /** How a time reads (the board's zone and style). */
  time: (iso: string) => string;
}

/** The share-links section of the console. */
export function ShareLinks(props: ShareLinksProps): preact.JSX.Element {
  const [links, setLinks] = useState<Link[] | undefined>();
  const [made, setMade] = useState<string | undefined>();
  const [said, setSaid] = useState("");
  const load = async () => {
    const res = await fetch("/api/viewer-links");
    if (res.ok) setLinks((await res.json()).links as Link[]);
  };
  useEffect(() => {
    if (props.authRequired) load();
  }, []);
  if (!props.authRequired) {
    return (
      <section class="admin-section share-links" aria-label="Share links">
        <h2>Share links</h2>
        <p>
          This board is open (no PULSE_TOKENS): anyone who can reach it reads
          it, so there is nothing to share a link to. Turn authentication on to
          make read-only links.
        </p>
      </section>
    );
  }
  const create = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const hours = String(form.get("hours"));
    const res = await fetch("/api/viewer-links", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: String(form.get("name") ?? ""),
        hours: hours === "never" ? "never" : Number(hours),
        kiosk: form.get("kiosk") === "on",
        period: String(form.get("period")),
      }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      setSaid(body?.error?.message ?? `refused (${res.status})`);
      return;
    }
    setMade(new URL(body.url, location.href).href);
    setSaid(`Made "${body.name}".`);
    await load();
  };
  const revoke = async (link: Link) => {
    const res = await fetch(
      `/api/viewer-links/${encodeURIComponent(link.id)}`,
      { method: "DELETE" },
    );
    const body = await res.json().catch(() => ({}));
    setSaid(
      res.ok
        ? `Revoked "${link.name}": it and the screens it signed in stop now.`
        : body?.error?.message ?? `refused (${res.status})`,
    );
    await load();
  };
  return (
    <section class="admin-section share-links" aria-label="Share links">
      <h2>Share links</h2>
      <form class="share-form" onSubmit={create}>
        <label>
          Name{" "}
          <input name="name" required maxLength={80} placeholder="Office TV" />
        </label>
        <label>
          Lasts{" "}
          <select name="hours">
            {LIFETIMES.map(([v, words]) => (
              <option key={v} value={v} selected={v === "720"}>{words}</option>
            ))}
          </select>
        </label>
        <label>
          Opens on{" "}
          <select name="period">
            {PERIODS.map((p) => (
              <option key={p.id} value={p.id}>{p.label}</option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" name="kiosk" /> Wall screen (kiosk)
        </label>
        <button type="submit">Make link</button>
      </form>
      {made && (
        <p class="share-made">
          <label>
            The link (shown once; anyone with it reads the board){" "}
            <input
              readOnly
              value={made}
              data-testid="share-url"
              onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
            />
          </label>{" "}
          <button
            type="button"
            onClick={() => navigator.clipboard?.writeText(made)}
          >
            Copy
          </button>
        </p>
      )}
      <output class="share-said" data-testid="share-said">{said}</output>
      {links && links.length === 0 && <p>No share links yet.</p>}
      {links && links.length > 0 && (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Opens</th>
                <th scope="col">Made</th>
                <th scope="col">Ends</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {links.map((l) => (
                <tr key={l.id} data-link={l.id}>
                  <td>{l.name}</td>
                  <td>{opensWords(l.opens)}</td>
                  <td>{props.time(l.createdAt)}</td>
                  <td>{l.expiresAt ? props.time(l.expiresAt) : "never"}</td>
                  <td>{l.lastUsedAt ? props.time(l.lastUsedAt) : "not yet"}</td>
                  <td data-status={l.status}>{l.status}</td>
                  <td>
                    {l.status === "active" && (
                      <button
                        type="button"
                        aria-label={`Revoke ${l.name}`}
                        onClick={() => revoke(l)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** `/?kiosk&period=mtd` as "wall screen, Month". */
function opensWords(opens: string): string {
  const q = new URLSearchParams(opens.split("?")[1] ?? "");
  const period = PERIODS.find((p) => p.id === (q.get("period") ?? "today"))
    ?.label;
  return `${q.has("kiosk") ? "wall screen, " : "board, "}${period ?? "Today"}`;
}
