/**
 * `memo` for the board's parts: a part re-renders only when one of its
 * props changed (shallow, by identity), so a delta that moves one figure
 * re-renders that figure's part and not the whole board. The state's
 * merge patches keep unchanged objects identical, which is what makes
 * identity enough. Our own few lines rather than `preact/compat`, whose
 * import changes Preact's global options for React compatibility.
 */
import { Component, type FunctionComponent, h } from "preact";

/** Whether two props objects hold the same values, by identity. */
export function sameProps(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): boolean {
  for (const key in a) if (!(key in b)) return false;
  for (const key in b) if (a[key] !== b[key]) return false;
  return true;
}

/**
 * A component rendering `part` only when its props differ from the last
 * render's.
 *
 * @param part The function component to wrap.
 * @returns The wrapped component (same props).
 */
export function memo<P extends object>(
  part: FunctionComponent<P>,
): FunctionComponent<P> {
  class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !sameProps(
        this.props as Record<string, unknown>,
        next as Record<string, unknown>,
      );
    }
    override render(props: P) {
      return h(part, props);
    }
  }
  return Memo as unknown as FunctionComponent<P>;
}
