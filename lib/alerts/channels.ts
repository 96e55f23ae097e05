/**
 * Sending one notification to one channel: a signed JSON webhook, a
 * Slack incoming webhook, or email (`email.ts`). 2xx is delivered; 408, 429 and 5xx (and a
 * network failure or timeout) may succeed later, with the wait
 * `Retry-After` asks for; any other answer never will.
 *
 * @module
 */
import { readBounded, retryAfterMs } from "../resilience/mod.ts";
import { signWebhook } from "../security/mod.ts";
import { type Notice, slackMessage } from "./notification.ts";
import type { ChannelSpec } from "./channel_spec.ts";
import { sendEmail } from "./email.ts";

/** A delivery that did not happen, and whether it may later. */
export class DeliveryError extends Error {
  /** Whether another attempt may succeed. */
  readonly retryable: boolean;
  /** The wait the receiver asked for, ms. */
  readonly retryAfterMs?: number;
  /** Creates the error. */
  constructor(
    message: string,
    options: ErrorOptions & { retryable: boolean; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = "DeliveryError";
    this.retryable = options.retryable;
    if (options.retryAfterMs !== undefined) {
      this.retryAfterMs = options.retryAfterMs;
    }
  }
}

/** What a channel needs to send. */
export interface SendOptions {
  /** The fetch to use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** The time, epoch ms (the signature's timestamp). */
  now: number;
}

/**
 * Sends a notification through a channel.
 *
 * @throws {DeliveryError} Saying what the receiver answered and whether
 *   to try again.
 */
export async function sendNotification(
  channel: ChannelSpec,
  notification: Notice,
  options: SendOptions,
): Promise<void> {
  const { fetch: doFetch = fetch, signal, now } = options;
  if (channel.kind === "email") {
    const failure = await sendEmail(channel, notification, signal);
    if (failure) {
      throw new DeliveryError(redact(failure.message, secretsOf(channel)), {
        retryable: failure.retryable,
      });
    }
    return;
  }
  const body = new TextEncoder().encode(
    JSON.stringify(
      channel.kind === "slack" ? slackMessage(notification) : notification,
    ),
  );
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "pulseboard-alerts",
  };
  if (channel.kind === "webhook") {
    headers["pulse-signature"] = await signWebhook(
      channel.secret,
      Math.floor(now / 1000),
      body,
    );
    headers["idempotency-key"] = notification.key;
  }
  let response: Response;
  try {
    response = await doFetch(channel.url, {
      method: "POST",
      headers,
      body,
      signal,
      redirect: "manual",
    });
  } catch (cause) {
    // The raw error is not kept as the cause: its words may hold the URL,
    // a secret for Slack, and causes are logged.
    throw new DeliveryError(
      `${channel.id}: no answer from the receiver (${
        redact((cause as Error).message, secretsOf(channel))
      })`,
      { retryable: true },
    );
  }
  const text = response.body
    ? new TextDecoder().decode(
      (await readBounded(response.body, 2_000).catch(() => undefined)) ??
        new Uint8Array(),
    ).trim()
    : "";
  if (response.ok) return;
  const s = response.status;
  const retryable = s === 408 || s === 429 || s >= 500;
  const wait = retryAfterMs(response.headers, now);
  throw new DeliveryError(
    `${channel.id}: the receiver answered ${s}${
      text ? ` ${text.slice(0, 200)}` : ""
    }${retryable ? "" : " (not retried: it will not succeed as it is)"}`,
    { retryable, ...(wait !== undefined ? { retryAfterMs: wait } : {}) },
  );
}

/** What a channel holds that must never reach a log or an API answer. */
export function secretsOf(channel: ChannelSpec): string[] {
  switch (channel.kind) {
    case "webhook":
      return [channel.secret];
    case "slack":
      return [channel.url, new URL(channel.url).pathname];
    case "email": {
      const url = new URL(channel.smtpUrl);
      return [channel.smtpUrl, url.password, decodeURIComponent(url.password)]
        .filter((s) => s.length >= 4);
    }
  }
}

/** `text` with each secret replaced by a placeholder. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: a URL is replaced whole before its path is.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.replaceAll(secret, "[redacted]");
  }
  return out;
}
