/**
 * Small hooks for the board: a ticking clock for "updated 4 s ago", the
 * time zone times are shown in, a flash on change, and polite, throttled
 * screen-reader announcements.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { viewerTimeZone } from "./time_words.ts";

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
 * The time zone the board shows times in: the board's own (its periods'
 * zone) when it has one; else UTC in the server's render and the first
 * browser render (so hydration changes nothing), then the viewer's own.
 */
export function useTimeZone(board?: string): string {
  const [zone, setZone] = useState(board ?? "UTC");
  useEffect(() => setZone(board ?? viewerTimeZone()), [board]);
  return zone;
}
