/**
 * HTTP boundary helpers.
 *
 * @module
 */
export {
  HttpError,
  isClientError,
  readBodyBounded,
  toResponse,
} from "./errors.ts";
export { type OriginPolicy, originPolicy } from "./origins.ts";
export {
  hostName,
  type HostPolicy,
  hostPolicy,
  servedHosts,
  type ServedHostsInput,
} from "./hosts.ts";
