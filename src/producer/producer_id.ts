/**
 * Gets the idempotent (not transactional) producer its producer id: InitProducerId to the least
 * loaded broker, at the start and when the epoch runs out (the idempotent producer bumps its
 * epoch itself otherwise, see idempotence.ts), retried with backoff. The sender's loop calls
 * {@link ProducerIdRequester.poll} each turn while the producer has no usable id; a transactional
 * producer gets its id from `initTransactions()` instead.
 *
 * @module
 */

import { backoffMs } from "../backoff.ts";
import type { MetadataUpdater } from "../client/metadata_updater.ts";
import type { NetworkClient } from "../client/network_client.ts";
import { ErrorCode } from "../error_codes.ts";
import { KafkaBrokerError, KafkaEdgeError } from "../errors.ts";
import { InitProducerId } from "../protocol/messages/init_producer_id.ts";
import type { Idempotence } from "./idempotence.ts";
import type { Instrumentation } from "./instrumentation.ts";

/** Settings of a {@link ProducerIdRequester}. */
export interface ProducerIdOptions {
  transactionTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

/** Asks for producer ids and epochs when the idempotent producer needs one. */
export class ProducerIdRequester {
  readonly #idempotence: Idempotence;
  readonly #nodes: MetadataUpdater;
  readonly #network: NetworkClient;
  readonly #options: ProducerIdOptions;
  readonly #instrumentation: Instrumentation;
  readonly #wake: () => void;
  readonly #onFatal: (error: KafkaEdgeError) => void;
  #retryAtMs = 0;
  #failures = 0;

  /**
   * `wake` is called when a request ends; `onFatal` with an error no retry cures (the records
   * waiting for the id fail with it).
   */
  constructor(
    idempotence: Idempotence,
    nodes: MetadataUpdater,
    network: NetworkClient,
    options: ProducerIdOptions,
    instrumentation: Instrumentation,
    wake: () => void,
    onFatal: (error: KafkaEdgeError) => void,
  ) {
    this.#idempotence = idempotence;
    this.#nodes = nodes;
    this.#network = network;
    this.#options = options;
    this.#instrumentation = instrumentation;
    this.#wake = wake;
    this.#onFatal = onFatal;
  }

  /** Sends InitProducerId when one is needed; returns how long until it needs attention again. */
  poll(nowMs: number): number {
    const idempotence = this.#idempotence;
    if (!idempotence.needsProducerId) return Infinity; // a request or in-flight batches will wake us
    if (nowMs < this.#retryAtMs) return this.#retryAtMs - nowMs;
    const target = this.#nodes.leastLoadedNode(nowMs);
    if ("sleepMs" in target) return target.sleepMs;
    idempotence.initRequest();
    this.#network.connection(target.node)!.request(InitProducerId, {
      transactionalId: null,
      transactionTimeoutMs: this.#options.transactionTimeoutMs,
      producerId: -1n,
      producerEpoch: -1,
    }).then((response) => {
      if (response.errorCode !== ErrorCode.NONE) {
        throw new KafkaBrokerError(response.errorCode, "InitProducerId");
      }
      return response;
    }).then((response) => {
      this.#failures = 0;
      idempotence.initialized(response.producerId, response.producerEpoch);
      this.#instrumentation.producerIdAssigned(response.producerId, response.producerEpoch);
    }).catch((error) => {
      idempotence.initFailed();
      this.#failures++;
      this.#retryAtMs = Date.now() +
        backoffMs(this.#failures, this.#options.retryBackoffMs, this.#options.retryBackoffMaxMs);
      this.#instrumentation.backgroundFailed("producerId", error);
      if (error instanceof KafkaEdgeError && !error.retriable) this.#onFatal(error);
    }).finally(this.#wake);
    return Infinity;
  }
}
