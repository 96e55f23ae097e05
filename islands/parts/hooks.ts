/**
 * Small hooks for the board: a ticking clock for "updated 4 s ago", the
 * time zone times are shown in, a flash on change, and polite, throttled
 * screen-reader announcements.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { viewerTimeZone } from "./time_words.ts";

/**
 * The current time to the `everyMs` step, in the browser. Starts at
 * `initial` (the server's render time) so hydration changes nothing. A
 * render for another reason (a delta) brings it up to date, so on a live
 * board the step lands in a frame that is drawn anyway; the timer renders
 * on its own only when nothing else has for a whole step.
 */
export function useNow(initial: number, everyMs = 1000): number {
  const [ticked, setTicked] = useState(initial);
  const hydrated = useRef(false);
  const shown = useRef(initial);
  const step = (ms: number) => Math.floor(ms / everyMs) * everyMs;
  const now = hydrated.current ? Math.max(ticked, step(Date.now())) : ticked;
  shown.current = now;
  useEffect(() => {
    hydrated.current = true;
    setTicked(Date.now());
    const id = setInterval(() => {
      const due = step(Date.now());
      if (due > shown.current) setTicked(due);
    }, everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** The flash class a change gets: its direction, and which of two animations. */
export type Flash = "" | "up" | "down" | "up-again" | "down-again";

/**
 * The class that highlights a change of `value`: `"up"` or `"down"` when
 * it rises or falls, at most one highlight per `minGapMs` (a figure
 * changing ten times a second must not blink), none when the viewer
 * asked for reduced motion. The highlight is a CSS animation that ends by
 * itself; the next one alternates with an `-again` class (another
 * animation name, which restarts it), so no timer and no second render
 * takes it off.
 */
export function useFlash(value: number, minGapMs = 1_000): Flash {
  const previous = useRef(value);
  const lastAt = useRef(-Infinity);
  const [flash, setFlash] = useState<Flash>("");
  useEffect(() => {
    if (value === previous.current) return;
    const direction = value > previous.current ? "up" : "down";
    previous.current = value;
    const now = Date.now();
    if (now - lastAt.current < minGapMs || prefersReducedMotion()) return;
    lastAt.current = now;
    setFlash((last) =>
      last.endsWith("-again") || last === "" ? direction : `${direction}-again`
    );
  }, [value]);
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
