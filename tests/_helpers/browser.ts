/**
 * Launches Debian's headless Chromium through playwright-core with the
 * flags that keep it on loopback and quiet.
 */
import { type Browser, chromium } from "playwright-core";

/** Chromium's path on Debian. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Starts a headless browser; close it with `await using`. */
export async function launchBrowser(): Promise<Browser & AsyncDisposable> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return Object.assign(browser, {
    async [Symbol.asyncDispose]() {
      await browser.close();
    },
  });
}
