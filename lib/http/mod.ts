/**
 * HTTP boundary helpers.
 *
 * @module
 */
export { HttpError, isClientError, toResponse } from "./errors.ts";
export { type OriginPolicy, originPolicy } from "./origins.ts";
