/**
 * Authentication: API tokens, session cookies and connection tickets.
 *
 * @module
 */
export {
  Authenticator,
  type AuthenticatorOptions,
  type Principal,
  SESSION_COOKIE,
} from "./authenticator.ts";
export {
  FailureLimiter,
  type FailureLimiterOptions,
} from "./failure_limiter.ts";
export { importKey, sign, type SignedPayload, verify } from "./signed.ts";
export {
  signWebhook,
  verifyWebhook,
  WebhookSignatureError,
} from "./webhook_signature.ts";
export {
  keptSessionKey,
  type SessionKey,
  SessionKeyError,
  type SessionKeyOptions,
  type SessionKeySource,
} from "./session_key.ts";
export {
  MAX_VIEWER_LINK_MS,
  MAX_VIEWER_LINKS,
  ViewerLinkError,
  type ViewerLinkRecord,
  ViewerLinks,
  type ViewerLinksOptions,
  type ViewerLinkStore,
} from "./viewer_links.ts";
