/**
 * The wire protocol, shared by the server and the browser: JSON types,
 * the envelopes with their parsing and close codes, and JSON merge
 * patches. Runs anywhere: no `Deno.*`, no server code, nothing that is
 * not needed to speak the protocol.
 *
 * @module
 */
export {
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from "./json.ts";
export { applyMergePatch, createMergePatch } from "./merge_patch.ts";
export {
  type ClientMessage,
  CLOSE_CODES,
  type DeltaEnvelope,
  encodeEnvelope,
  type ErrorCode,
  type ErrorEnvelope,
  type HeartbeatEnvelope,
  parseClientMessage,
  parseEpoch,
  parseServerEnvelope,
  parseSince,
  parseTopic,
  type PingMessage,
  type PongEnvelope,
  ProtocolError,
  type ServerEnvelope,
  type SnapshotEnvelope,
  type StateEnvelope,
  type SubscribeMessage,
  type UnsubscribeMessage,
} from "./envelopes.ts";
export { composeMergePatches } from "./compose_patch.ts";
