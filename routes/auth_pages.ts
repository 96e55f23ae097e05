/**
 * The two pages the guard answers with instead of the board: the sign-in
 * form (with a reason, coming back to where it was asked), and the page a
 * share link's viewer gets at an operator's page. Plain HTML, no script.
 */

/** The sign-in page with `message`, coming back to `next` afterwards. */
export const LOGIN_PAGE = (message: string, next = "/"): string =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<meta name="color-scheme" content="light dark"><title>Pulseboard: sign in</title><link rel="stylesheet" href="/static/styles.css"></head>` +
  `<body><main class="board login"><h1>Pulseboard</h1><form method="post" action="/login">` +
  (next === "/"
    ? ""
    : `<input type="hidden" name="next" value="${
      next.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll(
        "<",
        "&lt;",
      )
    }">`) +
  `<label for="token">API token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>` +
  `<button type="submit">Sign in</button>${
    message ? `<p class="stale-banner" role="alert">${message}</p>` : ""
  }</form></main></body></html>`;

/**
 * The page a viewer gets at an operator's page: what it is, why not, and
 * the way back to the board or to signing in with a token.
 */
export const OPERATORS_ONLY_PAGE: string =
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<meta name="color-scheme" content="light dark"><title>Pulseboard: operators only</title><link rel="stylesheet" href="/static/styles.css"></head>` +
  `<body><main class="board login"><h1>Operators only</h1>` +
  `<p>This is the operator console. You are signed in with a share link, which shows the board and nothing else.</p>` +
  `<p><a href="/">Back to the board</a> · <a href="/login?next=%2Fadmin">Sign in with an API token</a></p>` +
  `</main></body></html>`;
