/**
 * The browser around the client: whether it is online and visible, and
 * the events that say when that changes. Injected, so tests and Deno
 * (which has neither) can steer or omit it.
 *
 * @module
 */

/** The environment's events. */
export type EnvironmentEvent = "online" | "offline" | "visibilitychange";

/** Browser events the client reacts to (window and document). */
export interface ClientEnvironment {
  addEventListener(type: EnvironmentEvent, fn: () => void): void;
  removeEventListener(type: EnvironmentEvent, fn: () => void): void;
  /** Whether the browser believes it is online. */
  isOnline(): boolean;
  /** Whether the page is visible. */
  isVisible(): boolean;
}

/**
 * Listens to `online`, `offline` and `visibilitychange`.
 *
 * @param env The environment (none: nothing to listen to).
 * @param handlers One handler per event.
 * @returns A function that removes every listener.
 */
export function listenToEnvironment(
  env: ClientEnvironment | undefined,
  handlers: Record<EnvironmentEvent, () => void>,
): () => void {
  if (!env) return () => {};
  const entries = Object.entries(handlers) as [EnvironmentEvent, () => void][];
  for (const [type, fn] of entries) env.addEventListener(type, fn);
  return function stopListening() {
    for (const [type, fn] of entries) env.removeEventListener(type, fn);
  };
}

/**
 * The browser's window and document, when running in a browser.
 *
 * @returns The environment, or `undefined` outside a browser.
 */
export function browserEnvironment(): ClientEnvironment | undefined {
  const g = globalThis as unknown as {
    addEventListener?: (t: string, f: () => void) => void;
    removeEventListener?: (t: string, f: () => void) => void;
    navigator?: { onLine?: boolean };
    document?: {
      visibilityState?: string;
      addEventListener(t: string, f: () => void): void;
      removeEventListener(t: string, f: () => void): void;
    };
  };
  if (!g.document || !g.addEventListener || !g.removeEventListener) {
    return undefined;
  }
  const doc = g.document;
  return {
    addEventListener: (type, fn) =>
      type === "visibilitychange"
        ? doc.addEventListener(type, fn)
        : g.addEventListener!(type, fn),
    removeEventListener: (type, fn) =>
      type === "visibilitychange"
        ? doc.removeEventListener(type, fn)
        : g.removeEventListener!(type, fn),
    isOnline: () => g.navigator?.onLine !== false,
    isVisible: () => doc.visibilityState !== "hidden",
  };
}
