/**
 * The client library: follows a topic over the wire protocol. Browser-safe.
 *
 * @module
 */
export {
  applyEnvelope,
  type ApplyOutcome,
  type TopicView,
} from "./topic_view.ts";

export {
  type ClientSocket,
  type ClientState,
  type ClientStatus,
  StreamClient,
  type StreamClientOptions,
} from "./stream_client.ts";
