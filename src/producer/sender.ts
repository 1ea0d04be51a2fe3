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
import { equalBytes } from "../bytes.ts";
import type { ClusterMetadata, PartitionLeader } from "../client/cluster_metadata.ts";
import type { MetadataUpdater } from "../client/metadata_updater.ts";
import type { NetworkClient } from "../client/network_client.ts";
import { ErrorCode } from "../error_codes.ts";
import { KafkaBrokerError, KafkaEdgeError, ProducerFencedError, ProtocolError } from "../errors.ts";
import {
  FIRST_TOPIC_ID_VERSION,
  type PartitionProduceData,
  type PartitionProduceResponse,
  Produce,
  type ProduceRequest,
  type ProduceResponse,
  type TopicProduceData,
} from "../protocol/messages/produce.ts";
import type { RecordAccumulator } from "./accumulator.ts";
import type { BatchCompressor } from "./batch_compressor.ts";
import type { Idempotence } from "./idempotence.ts";
import type { Instrumentation } from "./instrumentation.ts";
import type { ProducerIdRequester } from "./producer_id.ts";
import type { Transactions } from "./transactions.ts";
import { partitionKey, type ProducerBatch } from "./producer_batch.ts";

/** Errors after which the broker may name the partition's new leader (KIP-951). */
const LEADER_MOVED = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
]);

/**
 * Produce errors that end an idempotent or transactional producer, as in the Java client
 * (`TransactionManager.maybeTransitionToErrorState`): every pending and later send fails.
 */
const PRODUCER_FATAL = new Set<number>([
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.INVALID_PRODUCER_ID_MAPPING,
  ErrorCode.PRODUCER_FENCED,
]);

/** The last Produce version of the transaction protocol that adds partitions explicitly. */
const LAST_PRODUCE_VERSION_BEFORE_TRANSACTIONS_V2 = 11;

/**
 * The Produce version of a request: the highest both sides speak (`negotiated`), but at most
 * v11 in a transaction of the protocol that adds partitions explicitly (`explicitPartitions`),
 * and at most v12 (topics by name) unless every topic of the request has a known id.
 */
export function produceVersion(
  negotiated: number,
  explicitPartitions: boolean,
  topicIdsKnown: boolean,
): number {
  let version = negotiated;
  if (explicitPartitions) version = Math.min(version, LAST_PRODUCE_VERSION_BEFORE_TRANSACTIONS_V2);
  if (!topicIdsKnown) version = Math.min(version, FIRST_TOPIC_ID_VERSION - 1);
  return version;
}

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
  /** An error that ends the producer (idempotent or transactional): everything fails with it. */
  onFatal: (error: KafkaEdgeError) => void;
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
        this.#onInternalError(error);
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
      // How long each leader keeps ready batches waiting (partitionerAvailabilityTimeoutMs).
      accumulator.updateNodeLatency(node, nowMs, ready.readyNodes.has(node));
    }

    const { idempotence, transactions } = this.#options;
    idempotence?.poll();
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
    // A batch sent before and expired in the queue may be in the log: its partition is unresolved.
    for (const batch of accumulator.expireBatches(nowMs, this.#metadata)) {
      idempotence?.failed(batch, null);
    }
    for (const batch of this.#inFlight) {
      if (accumulator.expireIfDue(batch, nowMs)) {
        this.#inFlight.delete(batch);
        idempotence?.expiredInFlight(batch);
      }
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
    const transactions = this.#options.transactions;
    const topics = new Map<string, TopicProduceData & { partitions: PartitionProduceData[] }>();
    let topicIdsKnown = true;
    for (const batch of batches) {
      if (topics.has(batch.topic)) continue;
      // The id as metadata has it now: a retry after UNKNOWN_TOPIC_ID takes the new one.
      const topicId = this.#metadata.topicId(batch.topic);
      if (!topicId) topicIdsKnown = false;
      topics.set(batch.topic, { topic: batch.topic, topicId, partitions: [] });
    }
    let version: number;
    try {
      // Transaction protocol v1 adds partitions explicitly: Produce v11 at most (KIP-890).
      const explicitPartitions = transactions !== null && !transactions.implicitPartitions;
      version = produceVersion(connection.versionOf(Produce), explicitPartitions, topicIdsKnown);
      const { host, port } = connection.endpoint;
      this.#options.compressor?.checkProduceVersion(version, `${host}:${port}`);
    } catch (error) {
      // The broker speaks no Produce version we do, or none that carries the codec: not sent.
      this.#settle(batches, (batch) => this.#fail(batch, asKafkaEdgeError(error, false), null));
      return;
    }
    const instrumentation = this.#options.instrumentation;
    let recordCount = 0;
    for (const batch of batches) {
      const header = {
        ...this.#options.idempotence?.headerFor(batch),
        transactional: this.#options.transactions !== null,
      };
      const records = batch.close(header);
      topics.get(batch.topic)!.partitions.push({ partition: batch.partition, records });
      instrumentation.batchSent(batch, records.length, nowMs);
      recordCount += batch.recordCount;
      batch.attempts++;
      batch.lastAttemptMs = nowMs;
      this.#inFlight.add(batch);
      if (this.#options.maxInFlightRequestsPerConnection === 1) this.#accumulator.mute(batch);
    }
    instrumentation.produceRequestSent(recordCount, nowMs);
    const request: ProduceRequest = {
      transactionalId: transactions?.transactionalId ?? null,
      acks: this.#options.acks,
      timeoutMs: this.#options.requestTimeoutMs,
      topics: [...topics.values()],
    };
    this.#carry(batches);
    if (this.#options.acks === 0) {
      // The broker sends no response: the records are done once the socket has taken them.
      connection.send(Produce, request, version).then(
        () => this.#settle(this.#settled(batches), (batch) => this.#accumulator.complete(batch)),
        (error) => this.#onRequestFailed(this.#settled(batches), error),
      ).catch((error) => this.#onInternalError(error));
      return;
    }
    connection.request(Produce, request, version).then(
      (response) => this.#onProduceResponse(node, this.#settled(batches), request, response),
      (error) => this.#onRequestFailed(this.#settled(batches), error),
    ).catch((error) => this.#onInternalError(error));
  }

  /** A bug in handling a response, not a broker problem: as in the loop's own guard. */
  #onInternalError(error: unknown): void {
    this.#options.instrumentation.internalError(error);
    this.#failEverything(error);
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

  #onProduceResponse(
    node: number,
    batches: ProducerBatch[],
    request: ProduceRequest,
    response: ProduceResponse,
  ): void {
    const results = new Map<string, ProduceResponse["topics"][number]["partitions"][number]>();
    for (const topic of response.topics) {
      // From v13 the response names topics by the ids the request sent.
      const name = topic.topicId
        ? request.topics.find((t) => t.topicId && equalBytes(t.topicId, topic.topicId!))?.topic
        : topic.topic;
      for (const partition of topic.partitions) {
        results.set(partitionKey(name!, partition.partition), partition);
      }
    }
    const nowMs = Date.now();
    this.#options.instrumentation.produceThrottled(response.throttleTimeMs, nowMs);
    const resultOf = (batch: ProducerBatch) =>
      results.get(partitionKey(batch.topic, batch.partition));
    const newLeaders: PartitionLeader[] = [];
    this.#settle(batches, (batch) => {
      const result = resultOf(batch);
      if (!result) {
        const error = new ProtocolError(
          `Produce response has no result for ${batch.topic}-${batch.partition}`,
        );
        this.#fail(batch, error, null);
        return;
      }
      this.#onPartitionResult(batch, result, nowMs);
      if (LEADER_MOVED.has(result.errorCode) && result.currentLeader) {
        newLeaders.push({
          topic: batch.topic,
          partition: batch.partition,
          ...result.currentLeader,
        });
      }
    }, (batch) => {
      const result = resultOf(batch);
      const written = result?.errorCode === ErrorCode.NONE ||
        result?.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER;
      return written ? result!.baseOffset : null;
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

  #onPartitionResult(batch: ProducerBatch, result: PartitionProduceResponse, nowMs: number): void {
    const { idempotence, transactions } = this.#options;
    const code = result.errorCode;
    if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      // DUPLICATE_SEQUENCE_NUMBER: the broker has this batch already (older than the 5 whose
      // offsets it keeps), so it succeeded, at an unknown offset.
      const ack = code === ErrorCode.NONE ? result : { ...result, baseOffset: -1n };
      idempotence?.acknowledged(batch, ack.baseOffset);
      this.#accumulator.complete(batch, undefined, ack);
      return;
    }
    if (code === ErrorCode.MESSAGE_TOO_LARGE && batch.recordCount > 1) {
      const parts = this.#accumulator.splitAndReenqueue(batch);
      idempotence?.split(batch, parts);
      return;
    }
    const where = `Produce to ${batch.topic}-${batch.partition}`;
    if (idempotence && PRODUCER_FATAL.has(code)) {
      const brokerError = new KafkaBrokerError(code, where, result.errorMessage);
      this.#options.onFatal(
        transactions && code === ErrorCode.PRODUCER_FENCED
          ? new ProducerFencedError(brokerError.message)
          : brokerError,
      );
      return;
    }
    const detail = result.errorMessage ??
      result.recordErrors.map((e) => `record ${e.batchIndex}: ${e.message}`).join("; ");
    const retriable = idempotence?.retriesSequenceError(batch, code, result.logStartOffset);
    const error = new KafkaBrokerError(code, where, detail || null, retriable);
    this.#retryOrFail(batch, error, nowMs, code);
  }

  #onRequestFailed(batches: ProducerBatch[], error: unknown): void {
    const nowMs = Date.now();
    const cause = asKafkaEdgeError(error, true);
    this.#settle(batches, (batch) => this.#retryOrFail(batch, cause, nowMs, null));
  }

  /**
   * Takes batches out of flight and handles each, and wakes the loop. A batch that expired while
   * its request was out is done already: the idempotent producer still learns from `writtenAt`
   * whether it was written (its offset) or not (null).
   */
  #settle(
    batches: ProducerBatch[],
    handle: (batch: ProducerBatch) => void,
    writtenAt: (batch: ProducerBatch) => bigint | null = () => null,
  ): void {
    for (const batch of batches) {
      this.#inFlight.delete(batch);
      this.#accumulator.unmute(batch);
      if (!batch.isDone) handle(batch);
      else this.#options.idempotence?.lateOutcome(batch, writtenAt(batch));
    }
    this.#wake.signal();
  }

  /**
   * Retries a batch if the error allows and it has attempts and time left, else fails it.
   * `answered` is the broker's error code for this attempt, null when no answer came.
   */
  #retryOrFail(
    batch: ProducerBatch,
    error: KafkaEdgeError,
    nowMs: number,
    answered: number | null,
  ): void {
    const canRetry = error.retriable && batch.attempts <= this.#options.retries &&
      !this.#accumulator.isExpired(batch, nowMs);
    if (!canRetry) {
      // Out of attempts, the broker's refusal may not be the whole story (an earlier attempt
      // may be in the log), as in the Java client.
      this.#fail(batch, error, batch.attempts <= this.#options.retries ? answered : null);
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

  /** Fails a batch for good; `answered` as in `#retryOrFail`. */
  #fail(batch: ProducerBatch, error: Error, answered: number | null): void {
    this.#accumulator.complete(batch, error);
    this.#options.idempotence?.failed(batch, answered);
  }

  #failEverything(error: unknown): void {
    this.#inFlight.clear();
    this.#accumulator.failAll(new KafkaEdgeError("internal error in the sender", { cause: error }));
  }
}

/** `error` as a KafkaEdgeError (a cause from outside is wrapped, with `retriable`). */
function asKafkaEdgeError(error: unknown, retriable: boolean): KafkaEdgeError {
  return error instanceof KafkaEdgeError
    ? error
    : new KafkaEdgeError("Produce request failed", { cause: error, retriable });
}
