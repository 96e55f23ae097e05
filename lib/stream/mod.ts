/**
 * Streaming on the server: the hub (deltas, seq and epochs, history,
 * resume), its bus interface, and the transports' sessions. The wire
 * format itself is in `lib/protocol/`, which the browser shares.
 *
 * @module
 */
export { DeltaHistory, type DeltaHistoryOptions } from "./history.ts";
export {
  Hub,
  type HubOptions,
  type HubSink,
  type HubSubscriber,
  type HubSubscription,
  type ResumeAnswer,
  type ResumePosition,
  type SharedPosition,
} from "./hub.ts";
export { HubTopic } from "./hub_topic.ts";
export {
  PublishWindow,
  type PublishWindowOptions,
  type WindowPhase,
  type WindowTopic,
} from "./publish_window.ts";
export { composeCatchUp, deltaChain } from "./catch_up.ts";
export { type WsPeer, WsSession, type WsSessionOptions } from "./ws_session.ts";
export {
  type ClientLine,
  type Closable,
  type ConnectionInfo,
  ConnectionRegistry,
} from "./connections.ts";
export {
  CREDENTIAL_EXPIRED,
  endAtExpiry,
  type Expirable,
} from "./credential_expiry.ts";
export {
  type Beating,
  HeartbeatTicker,
  type HeartbeatTickerOptions,
} from "./heartbeat_ticker.ts";
export {
  type BusChange,
  type BusEvent,
  deltaMessage,
  type HubBus,
  MemoryBus,
} from "./bus.ts";
export {
  createHubMessage,
  type HubMessage,
  hubMessageFromText,
} from "./hub_message.ts";
export { pacedDelay, type PacingOptions } from "./pacing.ts";
export {
  type StreamEvent,
  type StreamOptions,
  streamOptionsFrom,
  type StreamSettings,
} from "./stream_options.ts";
export {
  type FeedOutlet,
  TopicFeed,
  type TopicFeedOptions,
} from "./topic_feed.ts";
export {
  createSseStream,
  type SseConnection,
  type SseStreamOptions,
} from "./sse_stream.ts";
export {
  longPoll,
  type LongPollOptions,
  type LongPollResult,
} from "./long_poll.ts";
