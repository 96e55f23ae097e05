/**
 * The unit of fan-out: an envelope and its JSON text, serialized once.
 *
 * @module
 */
import type { StateEnvelope } from "./protocol.ts";

/** A published message: every transport writes `text` as is. */
export interface HubMessage<E extends StateEnvelope = StateEnvelope> {
  readonly envelope: E;
  readonly text: string;
}
