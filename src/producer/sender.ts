/**
 * The sender: one async loop that wakes when there is something to do (a batch filled up or
 * began, a linger or backoff time ran out, a response or connection arrived, flush or close)
 * and otherwise sleeps. Each turn it refreshes metadata when due, finds the leaders with
 * sendable batches, drains them into one Produce request per leader, and settles the records
 * from the responses: success, retry with backoff, or a typed error.
 *
 * @module
 */

import { WakeSignal } from "../async.ts";
import { KafkaBrokerError, KafkaEdgeError, ProducerFencedError, ProtocolError } from "../errors.ts";
import type { NetworkClient } from "../network/network_client.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { InitProducerId } from "../protocol/messages/init_producer_id.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import {
  type PartitionProduceData,
  Produce,
  type ProduceRequest,
  type ProduceResponse,
} from "../protocol/messages/produce.ts";
import type { Endpoint } from "../transport/transport.ts";
import type { RecordAccumulator } from "./accumulator.ts";
import type { BatchCompressor } from "./batch_compressor.ts";
import type { ClusterMetadata } from "./cluster_metadata.ts";
import type { Idempotence } from "./idempotence.ts";
import type { Instrumentation } from "./instrumentation.ts";
import type { Transactions } from "./transactions.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/**
 * Errors after which the broker no longer accepts this producer's sequences: OUT_OF_ORDER_SEQUENCE,
 * INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID. The epoch is bumped and the batch retried.
 */
const LOST_SEQUENCE_STATE = new Set<number>([45, 47, 59]);

/** A transactional producer's epoch is stale: INVALID_PRODUCER_EPOCH, PRODUCER_FENCED. */
const FENCED = new Set<number>([47, 90]);

/** Settings of a {@link Sender}. */
export interface SenderOptions {
  acks: 0 | 1 | -1;
  requestTimeoutMs: number;
  maxRequestSize: number;
  maxInFlightRequestsPerConnection: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  allowAutoCreateTopics: boolean;
  /** Brokers to ask for metadata when none is known yet. */
  bootstrap: readonly Endpoint[];
  /** The idempotent producer's state, or null without idempotence. */
  idempotence: Idempotence | null;
  /** The transactional producer's state, or null without a transactionalId. */
  transactions: Transactions | null;
  transactionTimeoutMs: number;
  /** The batches' codec, or null without compression. */
  compressor: BatchCompressor | null;
  /** Metrics, events and logs. */
  instrumentation: Instrumentation;
}

/** Drives batches from the accumulator to the brokers. */
export class Sender {
  readonly #accumulator: RecordAccumulator;
  readonly #metadata: ClusterMetadata;
  readonly #network: NetworkClient;
  readonly #options: SenderOptions;
  readonly #wake = new WakeSignal();
  readonly #inFlight = new Set<ProducerBatch>();
  #running = true;
  #loop: Promise<void> | null = null;
  #metadataInFlight = false;
  #metadataRetryAtMs = 0;
  #metadataFailures = 0;
  #metadataCandidate = 0;
  #producerIdRetryAtMs = 0;
  #producerIdFailures = 0;

  constructor(
    accumulator: RecordAccumulator,
    metadata: ClusterMetadata,
    network: NetworkClient,
    options: SenderOptions,
  ) {
    this.#accumulator = accumulator;
    this.#metadata = metadata;
    this.#network = network;
    this.#options = options;
  }

  /** Starts the loop. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Makes the loop take another turn now. */
  wakeup(): void {
    this.#wake.signal();
  }

  /** Ends the loop after its current turn; what is still in flight is left to the caller. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.signal();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let sleepMs: number;
      try {
        sleepMs = this.#runOnce(Date.now());
      } catch (error) {
        // A bug, not a broker problem: fail what is buffered rather than leave promises hanging.
        this.#options.instrumentation.internalError(error);
        this.#failEverything(error);
        sleepMs = this.#options.retryBackoffMs;
      }
      await this.#wake.wait(sleepMs);
    }
  }

  /** One turn; returns how long the loop may sleep if nothing wakes it. */
  #runOnce(nowMs: number): number {
    const accumulator = this.#accumulator;
    const ready = accumulator.ready(this.#metadata, nowMs);
    if (ready.unknownLeaderTopics.size > 0) this.#metadata.requestUpdate();

    let connectSleep = Infinity;
    for (const node of ready.readyNodes) {
      const endpoint = this.#metadata.endpointOf(node);
      const maxInFlight = this.#options.maxInFlightRequestsPerConnection;
      if (!endpoint) {
        ready.readyNodes.delete(node);
        this.#metadata.requestUpdate();
      } else if (!this.#network.isReady(node, endpoint, maxInFlight, nowMs)) {
        ready.readyNodes.delete(node);
        connectSleep = Math.min(connectSleep, this.#network.connectionDelay(node, nowMs));
      }
    }

    const metadataSleep = this.#maybeUpdateMetadata(nowMs);
    const { idempotence, transactions } = this.#options;
    let producerIdSleep = Infinity;
    if (idempotence && !idempotence.ready) {
      // A transactional producer gets its id from initTransactions(), not from here.
      if (!transactions) producerIdSleep = this.#maybeInitProducerId(idempotence, nowMs);
      ready.readyNodes.clear(); // nothing goes out without a producer id
    }
    const compressor = this.#options.compressor;
    if (compressor && !compressor.ready) {
      // A codec still loading (zstd from WebAssembly) wakes the loop when it is ready or failed.
      if (compressor.error) accumulator.failAll(compressor.error);
      ready.readyNodes.clear();
    }

    const drained = accumulator.drain(
      this.#metadata,
      ready.readyNodes,
      this.#options.maxRequestSize,
      nowMs,
      idempotence
        ? (batch) => idempotence.canDrain(batch) && (transactions?.canDrain(batch) ?? true)
        : undefined,
    );
    transactions?.maybeAddPartitions();
    accumulator.expireBatches(nowMs);
    for (const batch of this.#inFlight) {
      if (accumulator.expireIfDue(batch, nowMs)) this.#inFlight.delete(batch);
    }
    for (const [node, batches] of drained) this.#sendProduce(node, batches, nowMs);

    return Math.min(
      ready.nextReadyCheckDelayMs,
      connectSleep,
      metadataSleep,
      producerIdSleep,
      accumulator.timeToNextExpiry(nowMs),
      this.#timeToInFlightExpiry(nowMs),
    );
  }

  #timeToInFlightExpiry(nowMs: number): number {
    let soonest = Infinity;
    for (const batch of this.#inFlight) {
      soonest = Math.min(soonest, this.#accumulator.timeToExpiry(batch, nowMs));
    }
    return soonest;
  }

  /** Sends a Metadata request when one is due; returns how long until it needs attention. */
  #maybeUpdateMetadata(nowMs: number): number {
    const due = this.#metadata.timeToNextUpdate(nowMs);
    if (due > 0) return due;
    if (this.#metadataInFlight) return Infinity; // its response wakes the loop
    if (nowMs < this.#metadataRetryAtMs) return this.#metadataRetryAtMs - nowMs;
    const target = this.#metadataNode(nowMs);
    if ("sleepMs" in target) return target.sleepMs;

    this.#metadataInFlight = true;
    this.#network.connection(target.node)!.request(Metadata, {
      topics: this.#metadata.wantedTopics(),
      allowAutoTopicCreation: this.#options.allowAutoCreateTopics,
    }).then(
      (response) => {
        this.#metadataFailures = 0;
        this.#metadata.update(response, Date.now());
        this.#options.instrumentation.metadataUpdated(
          response.brokers.length,
          response.topics.map((t) => t.name),
        );
        if (this.#metadata.timeToNextUpdate(Date.now()) === 0) {
          // Something is still missing (a new topic, a leader): ask again after a backoff.
          this.#metadataRetryAtMs = Date.now() + this.#backoff(1);
        }
      },
      (error) => {
        this.#options.instrumentation.backgroundFailed("metadata", error);
        this.#metadataFailures++;
        this.#metadataRetryAtMs = Date.now() + this.#backoff(this.#metadataFailures);
      },
    ).finally(() => {
      this.#metadataInFlight = false;
      this.#wake.signal();
    });
    return Infinity;
  }

  /**
   * A node with an open connection to ask for metadata. Without one, starts connecting to the
   * next candidate that is not backing off, and says how long to sleep meanwhile (Infinity:
   * the connection's outcome wakes the loop).
   */
  #metadataNode(nowMs: number): { node: number } | { sleepMs: number } {
    const connected = this.#network.leastLoadedNode(Infinity);
    if (connected !== undefined) return { node: connected };
    const candidates = this.#metadataCandidates();
    let sleepMs = Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const index = (this.#metadataCandidate + i) % candidates.length;
      const [id, endpoint] = candidates[index];
      const delay = this.#network.connectionDelay(id, nowMs);
      if (delay === Infinity) return { sleepMs: Infinity };
      if (delay === 0) {
        this.#metadataCandidate = index + 1;
        this.#network.isReady(id, endpoint, Infinity, nowMs); // starts the connection
        return { sleepMs: Infinity };
      }
      sleepMs = Math.min(sleepMs, delay);
    }
    return { sleepMs };
  }

  /**
   * Asks a broker for a producer id (or a new epoch, when bumping) once one is needed and
   * nothing of the old epoch is in flight; returns how long until it needs attention again.
   */
  #maybeInitProducerId(idempotence: Idempotence, nowMs: number): number {
    if (!idempotence.needsProducerId) return Infinity; // a request or in-flight batches will wake us
    if (nowMs < this.#producerIdRetryAtMs) return this.#producerIdRetryAtMs - nowMs;
    const target = this.#metadataNode(nowMs);
    if ("sleepMs" in target) return target.sleepMs;
    const current = idempotence.initRequest();
    this.#network.connection(target.node)!.request(InitProducerId, {
      transactionalId: null,
      transactionTimeoutMs: this.#options.transactionTimeoutMs,
      ...current,
    }).then((response) => {
      if (response.errorCode !== ErrorCode.NONE) {
        throw new KafkaBrokerError(response.errorCode, "InitProducerId");
      }
      this.#producerIdFailures = 0;
      idempotence.initialized(response.producerId, response.producerEpoch);
      this.#options.instrumentation.producerIdAssigned(response.producerId, response.producerEpoch);
    }).catch((error) => {
      this.#options.instrumentation.backgroundFailed("producerId", error);
      idempotence.initFailed();
      this.#producerIdFailures++;
      this.#producerIdRetryAtMs = Date.now() + this.#backoff(this.#producerIdFailures);
      if (error instanceof KafkaEdgeError && !error.retriable) this.#accumulator.failAll(error);
    }).finally(() => this.#wake.signal());
    return Infinity;
  }

  /** Known brokers first, then the bootstrap addresses (negative ids, as in the Java client). */
  #metadataCandidates(): [number, Endpoint][] {
    const candidates: [number, Endpoint][] = [];
    for (const id of this.#metadata.brokerIds()) {
      candidates.push([id, this.#metadata.endpointOf(id)!]);
    }
    this.#options.bootstrap.forEach((endpoint, i) => candidates.push([-1 - i, endpoint]));
    return candidates;
  }

  #sendProduce(node: number, batches: ProducerBatch[], nowMs: number): void {
    const connection = this.#network.connection(node)!;
    const instrumentation = this.#options.instrumentation;
    const byTopic = new Map<string, PartitionProduceData[]>();
    let recordCount = 0;
    for (const batch of batches) {
      let partitions = byTopic.get(batch.topic);
      if (!partitions) byTopic.set(batch.topic, partitions = []);
      const header = {
        ...this.#options.idempotence?.headerFor(batch),
        transactional: this.#options.transactions !== null,
      };
      const records = batch.close(header);
      partitions.push({ partition: batch.partition, records });
      instrumentation.batchSent(batch, records.length, nowMs);
      recordCount += batch.recordCount;
      batch.attempts++;
      batch.lastAttemptMs = nowMs;
      this.#inFlight.add(batch);
      if (this.#options.maxInFlightRequestsPerConnection === 1) this.#accumulator.mute(batch);
    }
    instrumentation.produceRequestSent(recordCount, nowMs);
    const transactions = this.#options.transactions;
    const request: ProduceRequest = {
      transactionalId: transactions?.transactionalId ?? null,
      acks: this.#options.acks,
      timeoutMs: this.#options.requestTimeoutMs,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    };
    if (this.#options.acks === 0) {
      // The broker sends no response: the records are done once the socket has taken them.
      this.#carry(batches);
      connection.send(Produce, request).then(
        () => this.#settle(this.#settled(batches), (batch) => this.#accumulator.complete(batch)),
        (error) => this.#onRequestFailed(this.#settled(batches), error),
      );
      return;
    }
    let version: number | undefined;
    try {
      // Transactions use the protocol in which partitions are added explicitly: Produce ≤ v11.
      version = transactions ? Math.min(connection.versionOf(Produce), 11) : undefined;
    } catch (error) {
      this.#onRequestFailed(batches, error); // the broker speaks no Produce version we do
      return;
    }
    this.#carry(batches);
    connection.request(Produce, request, version).then(
      (response) => this.#onProduceResponse(this.#settled(batches), response),
      (error) => this.#onRequestFailed(this.#settled(batches), error),
    );
  }

  /** The batches go out in a request: their buffers stay theirs until it settles. */
  #carry(batches: ProducerBatch[]): void {
    for (const batch of batches) batch.requestsInFlight++;
  }

  /** The request carrying `batches` settled (see RecordAccumulator.requestSettled). */
  #settled(batches: ProducerBatch[]): ProducerBatch[] {
    for (const batch of batches) this.#accumulator.requestSettled(batch);
    return batches;
  }

  #onProduceResponse(batches: ProducerBatch[], response: ProduceResponse): void {
    const results = new Map<string, ProduceResponse["topics"][number]["partitions"][number]>();
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        results.set(`${topic.topic}\u0000${partition.partition}`, partition);
      }
    }
    const nowMs = Date.now();
    this.#options.instrumentation.produceThrottled(response.throttleTimeMs, nowMs);
    this.#settle(batches, (batch) => {
      const result = results.get(`${batch.topic}\u0000${batch.partition}`);
      if (!result) {
        this.#accumulator.complete(
          batch,
          new ProtocolError(`Produce response has no result for ${batch.topic}-${batch.partition}`),
        );
      } else if (result.errorCode === 0) {
        this.#accumulator.complete(batch, undefined, result.baseOffset, result.logAppendTimeMs);
      } else if (result.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        // The broker has this batch already (older than the 5 whose offsets it keeps).
        this.#accumulator.complete(batch, undefined, -1n, result.logAppendTimeMs);
      } else if (this.#options.transactions && FENCED.has(result.errorCode)) {
        const error = new ProducerFencedError(
          new KafkaBrokerError(result.errorCode, `Produce to ${batch.topic}-${batch.partition}`)
            .message,
        );
        this.#options.transactions.fence(error);
        this.#accumulator.complete(batch, error);
      } else if (
        this.#options.idempotence && !this.#options.transactions &&
        LOST_SEQUENCE_STATE.has(result.errorCode)
      ) {
        this.#options.idempotence.requestEpochBump();
        this.#retryOrFail(
          batch,
          new KafkaBrokerError(result.errorCode, "Produce", null, true),
          nowMs,
        );
      } else if (result.errorCode === ErrorCode.MESSAGE_TOO_LARGE && batch.recordCount > 1) {
        this.#accumulator.splitAndReenqueue(batch);
      } else {
        const detail = result.errorMessage ??
          result.recordErrors.map((e) => `record ${e.batchIndex}: ${e.message}`).join("; ");
        const error = new KafkaBrokerError(
          result.errorCode,
          `Produce to ${batch.topic}-${batch.partition}`,
          detail || null,
        );
        this.#retryOrFail(batch, error, nowMs);
      }
    });
  }

  #onRequestFailed(batches: ProducerBatch[], error: unknown): void {
    const nowMs = Date.now();
    const cause = error instanceof KafkaEdgeError
      ? error
      : new KafkaEdgeError("Produce request failed", { cause: error, retriable: true });
    this.#settle(batches, (batch) => this.#retryOrFail(batch, cause, nowMs));
  }

  /** Takes batches out of flight, handles each, and wakes the loop. */
  #settle(batches: ProducerBatch[], handle: (batch: ProducerBatch) => void): void {
    for (const batch of batches) {
      this.#inFlight.delete(batch);
      this.#accumulator.unmute(batch);
      this.#options.idempotence?.returned(batch);
      if (!batch.isDone) handle(batch);
    }
    this.#wake.signal();
  }

  #retryOrFail(batch: ProducerBatch, error: KafkaEdgeError, nowMs: number): void {
    const canRetry = error.retriable && batch.attempts <= this.#options.retries &&
      !this.#accumulator.isExpired(batch, nowMs);
    if (!canRetry) {
      this.#accumulator.complete(batch, error);
      return;
    }
    this.#metadata.requestUpdate(); // most retriable errors mean a leader moved or went away
    const backoffMs = this.#backoff(batch.attempts);
    batch.retryNotBeforeMs = nowMs + backoffMs;
    this.#options.instrumentation.retry(batch, error, backoffMs, nowMs);
    this.#accumulator.reenqueue(batch);
  }

  /** Exponential backoff from `retryBackoffMs` to `retryBackoffMaxMs`, ±20% jitter. */
  #backoff(attempt: number): number {
    const base = Math.min(
      this.#options.retryBackoffMs * 2 ** Math.max(0, attempt - 1),
      this.#options.retryBackoffMaxMs,
    );
    return base * (0.8 + Math.random() * 0.4);
  }

  #failEverything(error: unknown): void {
    this.#inFlight.clear();
    this.#accumulator.failAll(new KafkaEdgeError("internal error in the sender", { cause: error }));
  }
}
