import assert from "node:assert/strict";
import {
  MAX_VIEWER_LINK_MS,
  ViewerLinkError,
  type ViewerLinkRecord,
  ViewerLinks,
  type ViewerLinkStore,
} from "@/lib/security/mod.ts";
import { FakeClock } from "@/lib/time/mod.ts";

/** A store shared by several instances, as SQLite or Redis would be. */
function sharedStore(): ViewerLinkStore & { touches: number } {
  const kept = new Map<string, ViewerLinkRecord>();
  const store = {
    touches: 0,
    add(link: ViewerLinkRecord) {
      kept.set(link.id, { ...link });
      return Promise.resolve();
    },
    all() {
      return Promise.resolve(
        [...kept.values()].map((l) => ({ ...l })).reverse(),
      );
    },
    revoke(id: string, at: number) {
      const l = kept.get(id);
      if (l) l.revokedAt ??= at;
      return Promise.resolve(l !== undefined);
    },
    touch(id: string, at: number) {
      store.touches++;
      const l = kept.get(id);
      if (l) l.lastUsedAt = at;
      return Promise.resolve();
    },
  };
  return store;
}

Deno.test("ViewerLinks: a revocation on one instance reaches another's checks and watchers within refreshMs, and only that link's", async () => {
  const clock = new FakeClock();
  const store = sharedStore();
  const here = new ViewerLinks({ store, clock, refreshMs: 5_000 });
  const there = new ViewerLinks({ store, clock, refreshMs: 5_000 });
  const tv = await here.create({
    name: "Office TV",
    ttlMs: null,
    opens: "/?kiosk",
  });
  const other = await here.create({
    name: "Investors",
    ttlMs: 86_400_000,
    opens: "/",
  });
  await there.refresh();
  const ended: string[] = [];
  there.watch(tv.id, () => ended.push("tv"));
  const unwatch = there.watch(other.id, () => ended.push("other"));
  await here.revoke(tv.id);
  assert.equal(here.isRevoked(tv.id), true, "at once where it was revoked");
  assert.equal(there.isRevoked(tv.id), false, "not yet elsewhere");
  await clock.advance(5_000);
  there.isRevoked(tv.id); // a check past refreshMs reads the store again
  await clock.advance(0);
  assert.equal(there.isRevoked(tv.id), true);
  assert.equal(there.isRevoked(other.id), false);
  assert.deepEqual(ended, ["tv"], "the revoked link's screens, once");
  unwatch();
  // A link already revoked ends a new watcher at once.
  there.watch(tv.id, () => ended.push("late"));
  assert.deepEqual(ended, ["tv", "late"]);
});

Deno.test("ViewerLinks: names and lifetimes are checked (a year at most, or never), and uses are noted at most once a minute per link", async () => {
  const clock = new FakeClock();
  const store = sharedStore();
  const links = new ViewerLinks({ store, clock });
  for (
    const request of [
      { name: "", ttlMs: 60_000 },
      { name: "x".repeat(81), ttlMs: 60_000 },
      { name: "TV", ttlMs: MAX_VIEWER_LINK_MS + 1 },
      { name: "TV", ttlMs: 1_000 },
    ]
  ) {
    await assert.rejects(
      links.create({ ...request, opens: "/" }),
      ViewerLinkError,
      JSON.stringify(request),
    );
  }
  const link = await links.create({
    name: "TV",
    ttlMs: MAX_VIEWER_LINK_MS,
    opens: "/",
  });
  links.used(link.id);
  links.used(link.id);
  await clock.advance(59_999);
  links.used(link.id);
  assert.equal(store.touches, 1);
  await clock.advance(1);
  links.used(link.id);
  assert.equal(store.touches, 2);
  assert.equal((await links.list())[0]?.lastUsedAt, clock.now());
});
