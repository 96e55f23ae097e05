/**
 * Small hooks for the board: a ticking clock for "updated 4 s ago", a
 * flash on change, and polite, throttled screen-reader announcements.
 */
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * The current time, ticking every `everyMs` in the browser. Starts at
 * `initial` (the server's render time) so hydration changes nothing.
 */
export function useNow(initial: number, everyMs = 1000): number {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/**
 * `"up"` or `"down"` for `ms` after `value` rises or falls, else `""`: at
 * most one highlight per `minGapMs` (a figure changing ten times a second
 * must not blink), and none when the viewer asked for reduced motion.
 */
export function useFlash(
  value: number,
  ms = 700,
  minGapMs = 1_000,
): "" | "up" | "down" {
  const previous = useRef(value);
  const lastAt = useRef(-Infinity);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [flash, setFlash] = useState<"" | "up" | "down">("");
  useEffect(() => {
    if (value === previous.current) return;
    const direction = value > previous.current ? "up" : "down";
    previous.current = value;
    const now = Date.now();
    if (now - lastAt.current < minGapMs || prefersReducedMotion()) return;
    lastAt.current = now;
    setFlash(direction);
    // Not cleared by the next change: a change within the gap must not
    // leave the highlight stuck on.
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setFlash(""), ms);
  }, [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return flash;
}

/** Whether the viewer asked for reduced motion (never on the server). */
function prefersReducedMotion(): boolean {
  const media = (globalThis as {
    matchMedia?: (q: string) => { matches: boolean };
  }).matchMedia;
  return media?.("(prefers-reduced-motion: reduce)").matches ?? false;
}

/**
 * Text for a polite live region that changes at most once per `everyMs`,
 * so screen readers hear the figure now and then, not every tick.
 */
export function useThrottledAnnouncement(
  text: string,
  everyMs = 30_000,
): string {
  const [spoken, setSpoken] = useState("");
  const lastAt = useRef(0);
  useEffect(() => {
    const now = Date.now();
    if (now - lastAt.current < everyMs) return;
    lastAt.current = now;
    setSpoken(text);
  }, [text]);
  return spoken;
}

/**
 * "updated 4 s ago", "updated 3 min ago", "updated 5 h ago", and past a
 * day and a half the date instead of a count of hours nobody can read
 * ("updated on 2026-08-14", UTC, the same on the server and every browser).
 */
export function ago(iso: string | undefined, now: number): string {
  const at = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(at)) return "never updated";
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 90) return `updated ${s} s ago`;
  if (s < 90 * 60) return `updated ${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `updated ${Math.round(s / 3600)} h ago`;
  return `updated on ${new Date(at).toISOString().slice(0, 10)}`;
}

/** HH:MM:SS UTC of an ISO time, the same on the server and in any browser. */
export function utcClock(iso: string | undefined): string {
  return iso && Number.isFinite(Date.parse(iso))
    ? `${iso.slice(11, 19)} UTC`
    : "unknown";
}
