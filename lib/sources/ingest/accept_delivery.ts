/**
 * The one accept pipeline behind every push front end (a generic signed
 * webhook, Stripe's own events): the size checked, the signature verified
 * over the raw bytes (several secrets while they rotate), the body parsed
 * by the front end, the event deduplicated and stored in one step (the
 * store keeps each id once, across instances), and a store that cannot
 * take it refused with 503 so the sender delivers again. Nothing is
 * stored unless every step before it passed.
 *
 * @module
 */
import { verifyWebhook, WebhookSignatureError } from "../../security/mod.ts";
import { IngestError, type IngestStore } from "./ingest_store.ts";

/** One front end's part of the pipeline. */
export interface DeliveryFrontEnd<E extends { id: string }, S> {
  /** The source's id: the store's key, and in messages. */
  source: string;
  /** Signing secrets, the current one first. */
  secrets: readonly string[];
  /** Time source for the signature's tolerance and the store. */
  clock: { now(): number };
  /** How far the signed timestamp may be from now, seconds. */
  toleranceS: number;
  /** Largest body accepted, bytes. */
  maxBodyBytes: number;
  /** Where events are deduplicated and stored. */
  store: IngestStore;
  /** What the body is called in a refusal ("the event", "the body"). */
  noun: string;
  /** Who delivers again when the store is down ("Stripe will deliver it again"). */
  redelivery: string;
  /**
   * Reads the verified bytes as an event.
   * @throws {IngestError} 400 when it is not one.
   */
  parse(body: Uint8Array): E;
  /**
   * The stored value after a new event (run once per new id, in the
   * store's step); may refuse with an {@linkcode IngestError}.
   */
  apply(previous: S | undefined, event: E, now: number): S;
  /** Two instances' stored values as one. */
  merge(a: S, b: S): S;
}

/** What an accepted delivery did. */
export interface AcceptedDelivery<E, S> {
  event: E;
  /** A redelivery of an id already stored (nothing changed). */
  duplicate: boolean;
  /** The stored value now. */
  value: S;
}

/**
 * Runs one delivery through the pipeline.
 *
 * @param front The front end's part.
 * @param body The raw request bytes.
 * @param signature The signature header's value.
 * @returns The event, whether it was a redelivery, and the stored value.
 * @throws {IngestError} 413 too large, 401 a bad signature, 400 a body
 *   that is not an event, 503 a store that cannot take it; nothing is
 *   stored then.
 */
export async function acceptDelivery<E extends { id: string }, S>(
  front: DeliveryFrontEnd<E, S>,
  body: Uint8Array,
  signature: string | null,
): Promise<AcceptedDelivery<E, S>> {
  if (body.byteLength > front.maxBodyBytes) {
    throw new IngestError(
      413,
      "too_large",
      `${front.noun} is ${body.byteLength} bytes; source "${front.source}" accepts at most ${front.maxBodyBytes}`,
    );
  }
  const now = front.clock.now();
  try {
    await verifyWebhook(signature, body, front.secrets, now, front.toleranceS);
  } catch (error) {
    if (!(error instanceof WebhookSignatureError)) throw error;
    throw new IngestError(401, `signature_${error.reason}`, error.message);
  }
  const event = front.parse(body);
  try {
    const { duplicate, value } = await front.store.apply<S>(
      front.source,
      event.id,
      now,
      (previous) => front.apply(previous, event, now),
      (a, b) => front.merge(a, b),
    );
    return { event, duplicate, value };
  } catch (error) {
    if (error instanceof IngestError) throw error;
    // Storage is unreachable (Redis down): refuse, so the sender retries.
    throw new IngestError(
      503,
      "store_unavailable",
      `the event could not be stored now (${
        error instanceof Error ? error.message : String(error)
      }); nothing was recorded, ${front.redelivery}`,
    );
  }
}
