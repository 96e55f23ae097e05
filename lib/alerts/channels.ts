/**
 * Sending one notification to one channel, through a registry of senders
 * with one per channel kind: a signed JSON webhook, a Slack incoming
 * webhook, or email (`email.ts`). 2xx is delivered; 408, 429 and 5xx (and a
 * network failure or timeout) may succeed later, with the wait
 * `Retry-After` asks for; any other answer never will.
 *
 * @module
 */
import { readBounded, retryAfterMs } from "../resilience/mod.ts";
import { signWebhook } from "../security/mod.ts";
import { type Notice, slackMessage } from "./notification.ts";
import type { ChannelKind, ChannelSpec } from "./channel_spec.ts";
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

/** One channel kind's delivery: how it sends, and what it must never show. */
export interface ChannelSender<C extends ChannelSpec> {
  /**
   * Sends one notice.
   *
   * @throws {DeliveryError} Saying what the receiver answered and whether
   *   to try again.
   */
  send(channel: C, notice: Notice, options: SendOptions): Promise<void>;
  /** What the channel holds that must never reach a log or an API answer. */
  secrets(channel: C): string[];
}

type ChannelOf<K extends ChannelKind> = Extract<ChannelSpec, { kind: K }>;

/**
 * Each kind's sender, one per entry of `CHANNEL_KINDS` (like the parsers in
 * `channel_spec.ts`): a kind declared without a sender here does not
 * compile, and a kind the file names that is not declared never gets past
 * the parser.
 */
const CHANNEL_SENDERS: {
  readonly [K in ChannelKind]: ChannelSender<ChannelOf<K>>;
} = {
  webhook: {
    async send(channel, notice, options) {
      const body = jsonBytes(notice);
      await postJson(channel, body, options, {
        "pulse-signature": await signWebhook(
          channel.secret,
          Math.floor(options.now / 1000),
          body,
        ),
        "idempotency-key": notice.key,
      });
    },
    secrets: (channel) => [channel.secret],
  },
  slack: {
    send: (channel, notice, options) =>
      postJson(channel, jsonBytes(slackMessage(notice)), options, {}),
    secrets: (channel) => [channel.url, new URL(channel.url).pathname],
  },
  email: {
    async send(channel, notice, options) {
      const failure = await sendEmail(channel, notice, options.signal);
      if (failure) {
        throw new DeliveryError(redact(failure.message, secretsOf(channel)), {
          retryable: failure.retryable,
        });
      }
    },
    secrets(channel) {
      const url = new URL(channel.smtpUrl);
      return [channel.smtpUrl, url.password, decodeURIComponent(url.password)]
        .filter((s) => s.length >= 4);
    },
  },
};

/** The sender of a channel's own kind. */
function senderOf<C extends ChannelSpec>(channel: C): ChannelSender<C> {
  // The registry's mapped type pairs each kind with its sender; TypeScript
  // cannot follow that pairing through an index by a union, so it is said once here.
  return CHANNEL_SENDERS[channel.kind] as unknown as ChannelSender<C>;
}

/**
 * Sends a notification through a channel, by its kind's sender.
 *
 * @throws {DeliveryError} Saying what the receiver answered and whether
 *   to try again.
 */
export function sendNotification(
  channel: ChannelSpec,
  notification: Notice,
  options: SendOptions,
): Promise<void> {
  return senderOf(channel).send(channel, notification, options);
}

/** What a channel holds that must never reach a log or an API answer. */
export function secretsOf(channel: ChannelSpec): string[] {
  return senderOf(channel).secrets(channel);
}

function jsonBytes(value: unknown): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * POSTs JSON to an HTTP channel and judges the answer: 2xx is delivered;
 * 408, 429 and 5xx (and no answer) may succeed later.
 */
async function postJson(
  channel: Extract<ChannelSpec, { url: string }>,
  body: Uint8Array<ArrayBuffer>,
  options: SendOptions,
  extraHeaders: Record<string, string>,
): Promise<void> {
  const { fetch: doFetch = fetch, signal, now } = options;
  let response: Response;
  try {
    response = await doFetch(channel.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "pulseboard-alerts",
        ...extraHeaders,
      },
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

/** `text` with each secret replaced by a placeholder. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: a URL is replaced whole before its path is.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.replaceAll(secret, "[redacted]");
  }
  return out;
}
