/**
 * Server-only: the HTML document around every page, with the stylesheet and
 * the island bundle (when built).
 */
import type { ComponentChildren } from "preact";

/** Props of {@linkcode Page}. */
export interface PageProps {
  /** The document title. */
  title: string;
  /** The island bundle's URL, or `undefined` when islands are not built. */
  islandScript?: string;
  /** The page body. */
  children: ComponentChildren;
}

/** The HTML document. */
export function Page(
  { title, islandScript, children }: PageProps,
): preact.JSX.Element {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{title}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/uplot.css" />
        <link rel="stylesheet" href="/static/styles.css" />
        {islandScript && <script type="module" src={islandScript} />}
      </head>
      <body>{children}</body>
    </html>
  );
}
