/**
 * The sender: one async loop that wakes when there is something to do (a batch filled up or
 * began, a linger or backoff time ran out, a response or connection arrived, flush or close)
 * and otherwise sleeps. Each turn it lets the metadata updater and the producer id requester
 * send what is due, finds the leaders with sendable batches, drains them into one Produce
 * request per leader, and settles the records from the responses: success, retry with backoff,
 * or a typed error.
 *
 * @module
 */

import type { WakeSignal } from "../async.ts";
import { backoffMs } from "../backoff.ts";
import type { ClusterMetadata, PartitionLeader } from "../client/cluster_metadata.ts";
import type { MetadataUpdater } from "../client/metadata_updater.ts";
import type { NetworkClient } from "../client/network_client.ts";
import { ErrorCode } from "../error_codes.ts";
import { KafkaBrokerError, KafkaEdgeError, ProducerFencedError, ProtocolError } from "../errors.ts";
import {
  type PartitionProduceData,
  Produce,
  type ProduceRequest,
  type ProduceResponse,
} from "../protocol/messages/produce.ts";
import type { RecordAccumulator } from "./accumulator.ts";
import type { BatchCompressor } from "./batch_compressor.ts";
import type { Idempotence } from "./idempotence.ts";
import type { Instrumentation } from "./instrumentation.ts";
import type { ProducerIdRequester } from "./producer_id.ts";
import { FENCED, type Transactions } from "./transactions.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** Errors after which the broker may name the partition's new leader (KIP-951). */
const LEADER_MOVED = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
]);

/**
 * Errors after which the broker no longer accepts this producer's sequences. The epoch is bumped
 * and the batch retried.
 */
const LOST_SEQUENCE_STATE = new Set<number>([
  ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.UNKNOWN_PRODUCER_ID,
]);

/** Settings of a {@link Sender}. */
export interface SenderOptions {
  acks: 0 | 1 | -1;
  requestTimeoutMs: number;
  maxRequestSize: number;
  maxInFlightRequestsPerConnection: number;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** The idempotent producer's state, or null without idempotence. */
  idempotence: Idempotence | null;
  /** Gets the idempotent producer its id; null without idempotence or with transactions. */
  producerIds: ProducerIdRequester | null;
  /** The transactional producer's state, or null without a transactionalId. */
  transactions: Transactions | null;
  /** The batches' codec, or null without compression. */
  compressor: BatchCompressor | null;
  /** Metrics, events and logs. */
  instrumentation: Instrumentation;
}

/** Drives batches from the accumulator to the brokers. */
export class Sender {
  readonly #accumulator: RecordAccumulator;
  readonly #metadata: ClusterMetadata;
  readonly #metadataUpdater: MetadataUpdater;
  readonly #network: NetworkClient;
  readonly #options: SenderOptions;
  readonly #wake: WakeSignal;
  readonly #inFlight = new Set<ProducerBatch>();
  #running = true;
  #loop: Promise<void> | null = null;

  /** `wake` is the producer's one wake-up signal: whatever signals it makes the loop take a turn. */
  constructor(
    accumulator: RecordAccumulator,
    metadata: ClusterMetadata,
    metadataUpdater: MetadataUpdater,
    network: NetworkClient,
    options: SenderOptions,
    wake: WakeSignal,
  ) {
    this.#accumulator = accumulator;
    this.#metadata = metadata;
    this.#metadataUpdater = metadataUpdater;
    this.#network = network;
    this.#options = options;
    this.#wake = wake;
  }

  /** Starts the loop. */
  start(): void {
    this.#loop ??= this.#run();
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

    const { idempotence, transactions } = this.#options;
    let producerIdSleep = Infinity;
    if (idempotence && !idempotence.ready) {
      producerIdSleep = this.#options.producerIds?.poll(nowMs) ?? Infinity;
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
    // After the Produce requests, as in the Java client: a retry to a leader named by the broker
    // (KIP-951) goes out before any Metadata request it made due.
    const metadataSleep = this.#metadataUpdater.poll(nowMs);

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
    let version: number;
    try {
      version = connection.versionOf(Produce);
      const { host, port } = connection.endpoint;
      this.#options.compressor?.checkProduceVersion(version, `${host}:${port}`);
      // Transactions use the protocol in which partitions are added explicitly: Produce ≤ v11.
      if (transactions) version = Math.min(version, 11);
    } catch (error) {
      // The broker speaks no Produce version we do, or none that carries the codec.
      this.#onRequestFailed(batches, error);
      return;
    }
    this.#carry(batches);
    if (this.#options.acks === 0) {
      // The broker sends no response: the records are done once the socket has taken them.
      connection.send(Produce, request).then(
        () => this.#settle(this.#settled(batches), (batch) => this.#accumulator.complete(batch)),
        (error) => this.#onRequestFailed(this.#settled(batches), error),
      );
      return;
    }
    connection.request(Produce, request, version).then(
      (response) => this.#onProduceResponse(node, this.#settled(batches), response),
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

  #onProduceResponse(node: number, batches: ProducerBatch[], response: ProduceResponse): void {
    const results = new Map<string, ProduceResponse["topics"][number]["partitions"][number]>();
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        results.set(`${topic.topic}\u0000${partition.partition}`, partition);
      }
    }
    const nowMs = Date.now();
    this.#options.instrumentation.produceThrottled(response.throttleTimeMs, nowMs);
    const newLeaders: PartitionLeader[] = [];
    this.#settle(batches, (batch) => {
      const result = results.get(`${batch.topic}\u0000${batch.partition}`);
      if (!result) {
        this.#accumulator.complete(
          batch,
          new ProtocolError(`Produce response has no result for ${batch.topic}-${batch.partition}`),
        );
      } else if (result.errorCode === ErrorCode.NONE) {
        this.#accumulator.complete(batch, undefined, result);
      } else if (result.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        // The broker has this batch already (older than the 5 whose offsets it keeps).
        this.#accumulator.complete(batch, undefined, { ...result, baseOffset: -1n });
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
        if (LEADER_MOVED.has(result.errorCode) && result.currentLeader) {
          newLeaders.push({
            topic: batch.topic,
            partition: batch.partition,
            ...result.currentLeader,
          });
        }
        this.#retryOrFail(batch, error, nowMs);
      }
    });
    if (newLeaders.length > 0) this.#followNewLeaders(node, batches, newLeaders, response, nowMs);
  }

  /**
   * `node` named the partitions' new leaders (KIP-951): metadata takes them in at once (if newer
   * than what it has) and the retries of the partitions now led by the named node, not by `node`,
   * go there without waiting for a Metadata response or a backoff (the Java client skips the
   * backoff when the leader changed since the batch's last attempt).
   */
  #followNewLeaders(
    node: number,
    batches: ProducerBatch[],
    leaders: PartitionLeader[],
    response: ProduceResponse,
    nowMs: number,
  ): void {
    const moved = this.#metadata.updatePartitionLeadership(leaders, response.nodeEndpoints);
    if (moved.length > 0) this.#options.instrumentation.leadersMoved(moved.length);
    for (const { topic, partition, leaderId } of leaders) {
      if (leaderId === node || this.#metadata.leaderFor(topic, partition) !== leaderId) continue;
      for (const batch of batches) {
        if (!batch.isDone && batch.topic === topic && batch.partition === partition) {
          batch.retryNotBeforeMs = nowMs;
        }
      }
    }
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
    batch.lastError = error;
    this.#metadata.requestUpdate(); // most retriable errors mean a leader moved or went away
    const { retryBackoffMs, retryBackoffMaxMs } = this.#options;
    const delayMs = backoffMs(batch.attempts, retryBackoffMs, retryBackoffMaxMs);
    batch.retryNotBeforeMs = nowMs + delayMs;
    this.#options.instrumentation.retry(batch, error, delayMs, nowMs);
    this.#accumulator.reenqueue(batch);
  }

  #failEverything(error: unknown): void {
    this.#inFlight.clear();
    this.#accumulator.failAll(new KafkaEdgeError("internal error in the sender", { cause: error }));
  }
}
