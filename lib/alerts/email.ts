/**
 * Alert email through an SMTP server (nodemailer): STARTTLS required on
 * `smtp://` (587), TLS from the start on `smtps://` (465), certificates
 * verified (a private CA can be given). Each notification has its own
 * Message-ID; a reminder and the resolve thread under the firing one
 * (In-Reply-To, References), so a mail client shows one conversation per
 * episode.
 *
 * @module
 */
// @ts-types="npm:@types/nodemailer@8.0.2"
import type nodemailer from "nodemailer";
import type { Notice } from "./notification.ts";
import { digestText } from "./digest_words.ts";

/** An email channel, as `rule.ts` validated it. */
export interface EmailChannel {
  id: string;
  smtpUrl: string;
  from: string;
  to: string[];
  ca?: string;
}

/** What the server said, and whether trying again may help. */
export interface EmailFailure {
  message: string;
  retryable: boolean;
}

/** A Message-ID for a notification key (`:` is not allowed in one). */
export function messageId(key: string): string {
  return `<${
    key.replaceAll(":", ".").replace(/[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/g, "-")
  }@pulseboard>`;
}

/** The message: subject, threading headers and a plain-text body. */
export function emailMessage(
  channel: EmailChannel,
  n: Notice,
): nodemailer.SendMailOptions {
  if (n.status === "digest") {
    return {
      from: channel.from,
      to: channel.to,
      subject: `${n.title}: ${n.summary}`,
      messageId: messageId(n.key),
      headers: { "X-Pulseboard-Key": n.key },
      text: digestText(n),
    };
  }
  const first = messageId(`${n.rule}:${n.key.split(":")[1]}:firing`);
  const threaded = n.status === "reminder" || n.status === "resolved";
  const lines = [
    n.summary,
    ...(n.description ? ["", n.description] : []),
    "",
    `Rule: ${n.rule} (${n.severity})`,
    `Condition: ${n.condition}`,
    `Since: ${n.startsAt}${n.endsAt ? `, resolved ${n.endsAt}` : ""}`,
    `Board: ${n.board}`,
    `Key: ${n.key}`,
  ];
  return {
    from: channel.from,
    to: channel.to,
    subject:
      `[${n.severity.toUpperCase()}] ${n.status.toUpperCase()}: ${n.summary}`,
    messageId: messageId(n.key),
    ...(threaded ? { inReplyTo: first, references: [first] } : {}),
    headers: { "X-Pulseboard-Key": n.key },
    text: lines.join("\n") + "\n",
  };
}

/**
 * Sends one notification by email.
 *
 * @returns Nothing when the server accepted it; the failure otherwise.
 */
export async function sendEmail(
  channel: EmailChannel,
  notification: Notice,
  signal?: AbortSignal,
): Promise<EmailFailure | undefined> {
  const url = new URL(channel.smtpUrl);
  const implicit = url.protocol === "smtps:";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // Loaded when an email is sent, not with the server: a board without
  // email channels should not pay for it at every start.
  const mailer = (await import("nodemailer")).default as typeof nodemailer;
  const transport = mailer.createTransport({
    host,
    port: url.port ? Number(url.port) : implicit ? 465 : 587,
    secure: implicit,
    requireTLS: !implicit,
    // The EHLO name: asking the system for one needs a permission the
    // server does not otherwise have.
    name: "pulseboard",
    ...(url.username
      ? {
        auth: {
          user: decodeURIComponent(url.username),
          pass: decodeURIComponent(url.password),
        },
      }
      : {}),
    tls: {
      // SNI names a host; an address is checked against the certificate's
      // IP entries without it.
      ...(isAddress(host) ? {} : { servername: host }),
      ...(channel.ca ? { ca: channel.ca } : {}),
    },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
  });
  const stop = () => transport.close();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    await transport.sendMail(emailMessage(channel, notification));
    return undefined;
  } catch (cause) {
    const e = cause as {
      message?: string;
      responseCode?: number;
      code?: string;
    };
    // 4xx replies are temporary by SMTP's own rules, 5xx permanent (a
    // refused recipient, a failed login); no reply at all may heal.
    const code = e.responseCode;
    return {
      message: `${channel.id}: the SMTP server ${
        code ? `answered ${code}` : "could not be reached"
      }: ${e.message ?? String(cause)}`,
      retryable: code === undefined || (code >= 400 && code < 500),
    };
  } finally {
    signal?.removeEventListener("abort", stop);
    transport.close();
  }
}

/** Whether a host is an IPv4 or IPv6 address rather than a name. */
function isAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}
