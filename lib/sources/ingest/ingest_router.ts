/**
 * Routes a push (`POST /api/ingest/:source`) to the webhook source it
 * names, and says when a new event was stored, so the board shows it
 * without waiting for the source's interval.
 *
 * @module
 */
import type { DeclaredSource } from "../sources_file.ts";
import {
  IngestError,
  type IngestResult,
  type IngestTarget,
  isIngestTarget,
} from "./ingest_store.ts";

/** Options for {@linkcode IngestRouter}. */
export interface IngestRouterOptions {
  /**
   * Called after a new (not duplicate) event was stored: read the source
   * now (on the leader, with several instances). Awaited before the
   * sender is answered.
   */
  onStored: (sourceId: string) => void | Promise<void>;
}

/**
 * The webhook sources by id.
 *
 * @example An id that is not a webhook source is a 404
 * ```ts
 * import assert from "node:assert/strict";
 * import { IngestError, IngestRouter } from "@/lib/sources/mod.ts";
 * const router = new IngestRouter([], { onStored: () => {} });
 * assert.equal(router.size, 0);
 * await assert.rejects(
 *   router.deliver("nope", new Uint8Array(), null),
 *   (e) => e instanceof IngestError && e.status === 404,
 * );
 * ```
 */
export class IngestRouter {
  #targets: Map<string, IngestTarget>;
  #onStored: IngestRouterOptions["onStored"];

  /** Collects the webhook sources among `declared`. */
  constructor(
    declared: readonly Pick<DeclaredSource, "inner">[],
    options: IngestRouterOptions,
  ) {
    this.#targets = new Map(
      declared.flatMap(({ inner }) =>
        isIngestTarget(inner) ? [[inner.id, inner]] : []
      ),
    );
    this.#onStored = options.onStored;
  }

  /**
   * The largest delivery source `id` takes, bytes; undefined when no
   * source by that id takes deliveries.
   */
  maxBodyBytes(id: string): number | undefined {
    return this.#targets.get(id)?.maxBodyBytes;
  }

  /** How many webhook sources there are. */
  get size(): number {
    return this.#targets.size;
  }

  /**
   * Stores a signed delivery into the webhook source `id`.
   *
   * @param id The source id from the URL.
   * @param body The raw body (the signature covers its bytes).
   * @param signature The signature header, when sent.
   * @returns What the delivery did.
   * @throws {IngestError} 404 for an id that is not a webhook source, or
   *   the source's refusal (signature, shape, size).
   */
  async deliver(
    id: string,
    body: Uint8Array,
    signature: string | null,
  ): Promise<IngestResult> {
    const target = this.#targets.get(id);
    if (!target) {
      throw new IngestError(
        404,
        "unknown_source",
        `no source "${id}" takes deliveries; they go to /api/ingest/<id> of a "webhook" source, or of a "stripe" source with "webhookSecretEnv"`,
      );
    }
    const result = await target.ingest(body, signature);
    if (!result.duplicate && result.moved !== false) await this.#onStored(id);
    return result;
  }
}
