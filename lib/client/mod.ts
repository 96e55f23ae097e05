/**
 * The client library: follows a topic over the wire protocol with
 * transport fallback, resume and gap repair. Browser-safe.
 *
 * @module
 */
export {
  applyEnvelope,
  type ApplyOutcome,
  type TopicView,
} from "./topic_view.ts";
export {
  type AttemptEnd,
  type ClientStatus,
  initialPolicy,
  nextPolicy,
  type PolicyEvent,
  type PolicyOptions,
  type PolicyState,
  type TransportName,
} from "./transport_policy.ts";
export {
  type ClientState,
  StreamClient,
  type StreamClientOptions,
} from "./connection.ts";
export {
  browserEnvironment,
  type ClientEnvironment,
  type EnvironmentEvent,
  listenToEnvironment,
} from "./environment.ts";
export { withTicket } from "./tickets.ts";
export { livenessForHeartbeat } from "./client_options.ts";
export {
  type Attempt,
  type ConnectionEvent,
  type ConnectionPhase,
  type ConnectionState,
  type Effect,
  initialConnection,
  type TimerName,
  type Transition,
  type TransitionConfig,
  type TransportEnd,
} from "./connection_state.ts";
export { transition } from "./transitions.ts";
export {
  type ClientPosition,
  type TransportConnection,
  type TransportFactory,
  type TransportHandlers,
  type TransportParams,
} from "./transports/transport.ts";
export { type ClientSocket, wsTransport } from "./transports/ws_transport.ts";
export { sseTransport } from "./transports/sse_transport.ts";
export { pollTransport } from "./transports/poll_transport.ts";
