/**
 * HTTP boundary helpers.
 *
 * @module
 */
export { HttpError, isClientError, toResponse } from "./errors.ts";
