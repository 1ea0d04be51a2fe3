/**
 * KafkaProducer: the public face of the producer. `send()` converts the record, picks its
 * partition and appends it to the accumulator; the sender does the rest.
 *
 * A send that cannot be appended at once (its topic's metadata is not known yet, or the buffer
 * memory is full) waits in a queue, in order, for at most `maxBlockMs`; while anything waits
 * there, later sends queue behind it, so records keep their send order per partition. A send
 * with an `AbortSignal` can leave that queue when the signal fires; once appended it cannot.
 *
 * @module
 */

import { abortable, Deferred, WakeSignal } from "../async.ts";
import { Fifo } from "../fifo.ts";
import {
  AbortError,
  BufferExhaustedError,
  InvalidRecordError,
  type KafkaEdgeError,
  ProducerClosedError,
  RecordTooLargeError,
  TransactionStateError,
} from "../errors.ts";
import { SILENT_LOGGER } from "../logger.ts";
import { parseEndpoint } from "../client/bootstrap.ts";
import { ClusterMetadata } from "../client/cluster_metadata.ts";
import { MetadataUpdater } from "../client/metadata_updater.ts";
import { NetworkClient } from "../client/network_client.ts";
import { RECORD_BATCH_OVERHEAD } from "../protocol/record_batch.ts";
import { resolveTransport } from "../transport/detect.ts";
import { SOFTWARE_NAME, SOFTWARE_VERSION } from "../version.ts";
import { RecordAccumulator } from "./accumulator.ts";
import { BatchCompressor } from "./batch_compressor.ts";
import { BufferPool } from "./buffer_pool.ts";
import {
  type ProducerConfig,
  type ResolvedProducerConfig,
  resolveProducerConfig,
} from "./config.ts";
import type { ProducerEventListener, ProducerEventMap } from "./events.ts";
import { Instrumentation } from "./instrumentation.ts";
import type { ProducerMetricValues } from "./metrics.ts";
import { Idempotence } from "./idempotence.ts";
import { ProducerIdRequester } from "./producer_id.ts";
import { type TransactionOffset, Transactions } from "./transactions.ts";
import { partitionForKey, StickyPartitioner } from "./partitioner.ts";
import {
  dataBytes,
  type ProducerRecord,
  type RecordData,
  type RecordMetadata,
  type SerializedRecord,
  serializeRecord,
  type Serializers,
  validateTopic,
} from "./record.ts";
import { Sender } from "./sender.ts";
import {
  lastReject,
  lastResolve,
  newDelivery,
  type Reject,
  type Resolve,
} from "./producer_batch.ts";
import { sendAll } from "./send_batch.ts";
import { ClientTelemetry } from "./telemetry.ts";
import type { RecordSubmitter } from "./submitter.ts";
import { callPartitioner } from "./user_code.ts";
import { recordWritable, type WritableRecord } from "./writable.ts";

/** A partition as `partitionsFor` reports it. */
export interface PartitionInfo {
  /** The topic. */
  topic: string;
  /** The partition number, from 0. */
  partition: number;
  /** Node id of the leader, -1 when it has none right now. */
  leader: number;
}

/** Options of one `send()`. */
export interface SendOptions {
  /**
   * Takes the record back while it still waits for its topic's metadata or for buffer memory:
   * the promise rejects with {@link AbortError} and the record is not sent. Once appended to a
   * batch (at once, usually) the record is on its way and the signal is ignored.
   */
  signal?: AbortSignal;
}

interface BlockedSend {
  record: SerializedRecord;
  /** Chosen once, when the topic's metadata is known; -1 until then. */
  partition: number;
  deadline: number;
  /** Settle the promise send() returned: handed on to the batch once appended. */
  resolve: Resolve;
  reject: Reject;
  signal: AbortSignal | undefined;
  /** Rejects the send when the signal fires; removed once the send leaves the queue. */
  onAbort: (() => void) | null;
  /** Told true once appended, false if it failed first (for writable() and sendBatch()). */
  accepted: Deferred<boolean> | null;
  done: boolean;
}

/**
 * A Kafka producer. `K` and `V` are the types of record keys and values: strings or bytes
 * by default, anything the config's `keySerializer` and `valueSerializer` take.
 */
export class KafkaProducer<K = RecordData, V = RecordData> {
  readonly #config: ResolvedProducerConfig;
  readonly #serializers: Serializers<K, V>;
  readonly #pool: BufferPool;
  readonly #accumulator: RecordAccumulator;
  readonly #metadata: ClusterMetadata;
  readonly #network: NetworkClient;
  readonly #sender: Sender;
  /** The one wake-up signal of the sender's loop: every component that has news signals it. */
  readonly #wake = new WakeSignal();
  readonly #sticky: StickyPartitioner;
  readonly #compressor: BatchCompressor | null;
  readonly #transactions: Transactions | null;
  readonly #instrumentation: Instrumentation;
  readonly #telemetry: ClientTelemetry | null;
  /** send() with an `accepted` report, for writable() and sendBatch(). */
  readonly #submitter: RecordSubmitter<K, V> = {
    submit: (record, signal, accepted) => this.#submit(record, signal, accepted),
    flush: () => this.flush(),
  };
  readonly #blocked = new Fifo<BlockedSend>();
  #blockedDrained: Deferred<void> | null = null;
  #closing: Promise<void> | null = null;
  /**
   * An error that ended the producer (a failed authentication; for an idempotent or transactional
   * producer, an error its Java counterpart calls fatal): every send from then on rejects with it.
   */
  #fatalError: KafkaEdgeError | null = null;

  /** Validates `config` (throws {@link ConfigError} naming the field) and starts the sender. */
  constructor(config: ProducerConfig<K, V>) {
    const resolved = resolveProducerConfig(config);
    this.#config = resolved;
    this.#serializers = config; // validated above: functions or absent
    const wakeup = this.#wake.signal;
    const compressor = this.#compressor = resolved.compressionType === "none"
      ? null
      : new BatchCompressor(resolved.compressionType, resolved.compressionLevel, wakeup);
    const transport = resolveTransport(resolved.transport);
    const instrumentation = new Instrumentation(resolved.logger ?? SILENT_LOGGER);
    this.#instrumentation = instrumentation;
    this.#pool = new BufferPool(resolved.bufferMemory, resolved.batchSize);
    const sticky = this.#sticky = new StickyPartitioner({ batchSize: resolved.batchSize });
    // As in Java, a custom partitioner turns adaptive partitioning off.
    const adaptive = resolved.partitionerAdaptivePartitioningEnable && !resolved.partitioner;
    this.#accumulator = new RecordAccumulator(
      { ...resolved, compressor, partitionLoad: adaptive ? sticky : null },
      this.#pool,
      wakeup,
      (batch, error, ack) => {
        if (error) this.#transactions?.batchFailed(error);
        instrumentation.batchDone(batch, error, ack);
      },
    );
    const bootstrap = resolved.bootstrapServers.map(parseEndpoint);
    this.#metadata = new ClusterMetadata(resolved.metadataMaxAgeMs, bootstrap);
    this.#network = new NetworkClient(
      transport,
      {
        clientId: resolved.clientId,
        requestTimeoutMs: resolved.requestTimeoutMs,
        // A response is never much larger than its request; leave room for the biggest.
        maxResponseSize: Math.max(resolved.maxRequestSize, 1 << 20) + 64 * 1024,
        softwareName: SOFTWARE_NAME,
        softwareVersion: SOFTWARE_VERSION,
        reconnectBackoffMs: resolved.reconnectBackoffMs,
        reconnectBackoffMaxMs: resolved.reconnectBackoffMaxMs,
        connectionSetupTimeoutMs: resolved.socketConnectionSetupTimeoutMs,
        tls: resolved.tls?.options,
        sasl: resolved.sasl,
      },
      wakeup,
      (error) => this.#failFatally(error),
      instrumentation,
    );
    const metadataUpdater = new MetadataUpdater(
      this.#metadata,
      this.#network,
      resolved,
      instrumentation,
      wakeup,
    );
    const transactional = resolved.transactionalId !== undefined;
    const idempotence = resolved.enableIdempotence
      ? new Idempotence(transactional, (error) => this.#transactions?.unresolved(error))
      : null;
    this.#transactions = !transactional ? null : new Transactions(
      { ...resolved, transactionalId: resolved.transactionalId! },
      this.#network,
      this.#metadata,
      idempotence!,
      {
        wake: wakeup,
        failUndrained: (error) => this.#accumulator.failUndrained(error),
        fatal: (error) => this.#failFatally(error),
      },
    );
    // A transactional producer gets its id from initTransactions() instead.
    const producerIds = idempotence && !this.#transactions
      ? new ProducerIdRequester(
        idempotence,
        metadataUpdater,
        this.#network,
        resolved,
        instrumentation,
        wakeup,
        (error) => this.#accumulator.failAll(error),
      )
      : null;
    this.#sender = new Sender(
      this.#accumulator,
      this.#metadata,
      metadataUpdater,
      this.#network,
      {
        ...resolved,
        idempotence,
        producerIds,
        transactions: this.#transactions,
        compressor,
        instrumentation,
        onFatal: (error) =>
          this.#transactions ? this.#transactions.fatal(error) : this.#failFatally(error),
      },
      this.#wake,
    );
    this.#sender.start();
    this.#telemetry = resolved.enableMetricsPush
      ? new ClientTelemetry({
        network: this.#network,
        metrics: () => this.metrics(),
        resourceAttributes: resolved.transactionalId === undefined
          ? []
          : [["transactional_id", resolved.transactionalId]],
        logger: instrumentation.logger,
      })
      : null;
    this.#telemetry?.start();
  }

  /**
   * Sends a record. Resolves with where it was written once the broker acknowledged it (per
   * `acks`), or rejects with a typed error: {@link InvalidRecordError}, {@link SerializationError},
   * {@link RecordTooLargeError},
   * {@link TimeoutError} (no metadata or delivery in time), {@link BufferExhaustedError},
   * {@link KafkaBrokerError}, {@link ProducerClosedError}, {@link AuthenticationError},
   * {@link AbortError} (`signal` fired before the record was appended: see {@link SendOptions}).
   */
  send(record: ProducerRecord<K, V>, options?: SendOptions): Promise<RecordMetadata> {
    return this.#submit(record, options?.signal, null);
  }

  /**
   * Sends every record of `records` (an array, any iterable, or an async iterable such as a
   * stream), taking the next one only once the previous is appended: when buffer memory is full
   * it waits, like `send()`, rather than holding the whole input. Resolves with each record's
   * metadata, in input order, once all are acknowledged. If any fails, rejects with
   * {@link SendBatchError}, whose `results` has each record's metadata or error (the others are
   * still sent). `signal` stops taking records (those appended are still delivered; the
   * promise then rejects with SendBatchError). An error thrown by the iterable itself rejects
   * with that error, after the records taken so far have settled.
   */
  sendBatch(
    records: Iterable<ProducerRecord<K, V>> | AsyncIterable<ProducerRecord<K, V>>,
    options?: SendOptions,
  ): Promise<RecordMetadata[]> {
    return sendAll(this.#submitter, records, options?.signal);
  }

  /**
   * A `WritableStream` of records for `topic` (each chunk is a record without its topic).
   * `write()` resolves once the record is appended to a batch, so a full buffer slows the
   * writer down (backpressure: `ready` waits); delivery goes on in the background. The first
   * record that fails errors the stream: later writes and `close()` reject with its error.
   * `close()` sends what is buffered and resolves once every record written was acknowledged.
   * `abort()` takes back a record still waiting for memory or metadata; appended ones are sent.
   * `highWaterMark`: records the stream queues before `ready` waits (default 1).
   */
  writable(
    topic: string,
    options?: { highWaterMark?: number },
  ): WritableStream<WritableRecord<K, V>> {
    validateTopic(topic);
    return recordWritable(this.#submitter, topic, options?.highWaterMark ?? 1);
  }

  /**
   * The producer's metrics, with the Java client's names and meanings: rates per second,
   * averages and maxima over its sample windows (two of 30 s), totals since the start. NaN: no
   * sample in the window yet.
   */
  metrics(): ProducerMetricValues {
    return this.#instrumentation.metrics.snapshot({
      bufferAvailableBytes: this.#pool.availableMemory,
      bufferTotalBytes: this.#config.bufferMemory,
      requestsInFlight: this.#network.inFlightCount,
      connectionCount: this.#network.connectionCount,
    }, Date.now());
  }

  /**
   * Calls `listener` for each `event` (see {@link ProducerEventMap}): connections, requests with
   * their latency and size, batches with their outcome, retries and failures, for tracing and
   * metrics systems. Listeners run synchronously inside the producer: keep them quick.
   */
  on<E extends keyof ProducerEventMap>(event: E, listener: ProducerEventListener<E>): this {
    this.#instrumentation.events.on(event, listener);
    return this;
  }

  /** Removes a listener added with {@link on}. */
  off<E extends keyof ProducerEventMap>(event: E, listener: ProducerEventListener<E>): this {
    this.#instrumentation.events.off(event, listener);
    return this;
  }

  /**
   * Converts, checks and appends a record, or queues it to wait. `accepted`, when given, is told
   * whether the record got into a batch (true) or failed before (false).
   */
  #submit(
    record: ProducerRecord<K, V>,
    signal: AbortSignal | undefined,
    accepted: Deferred<boolean> | null,
  ): Promise<RecordMetadata> {
    try {
      if (this.#closing) throw new ProducerClosedError("send() after close()");
      if (this.#fatalError) throw this.#fatalError;
      if (signal?.aborted) throw abortError(signal);
      this.#transactions?.checkCanSend();
      const serialized = serializeRecord(record, this.#serializers);
      this.#checkSize(serialized);
      let partition = -1;
      // One promise whether the record is appended now or waits: a waiting record's batch
      // settles this very promise, with no second one chained to it.
      const delivery = newDelivery();
      const resolve = lastResolve;
      const reject = lastReject;
      // Behind queued sends a record queues too, to keep the send order.
      const count = this.#blocked.length === 0
        ? this.#metadata.partitionCount(serialized.topic)
        : undefined;
      if (count !== undefined) {
        partition = this.#partitionOf(serialized, count);
        if (this.#append(serialized, partition, Date.now(), resolve, reject)) {
          accepted?.resolve(true);
          return delivery;
        }
      }
      this.#block(serialized, partition, signal, accepted, resolve, reject);
      return delivery;
    } catch (error) {
      accepted?.resolve(false);
      return Promise.reject(error);
    }
  }

  /**
   * Registers this producer's `transactionalId` with its transaction coordinator. Any older
   * producer with the same id is fenced: its further calls reject with {@link ProducerFencedError}.
   * Call once, before the first transaction.
   */
  async initTransactions(): Promise<void> {
    await this.#transactional().init();
  }

  /** Opens a transaction: the records sent until commit or abort belong to it. */
  beginTransaction(): void {
    this.#transactional().begin();
  }

  /**
   * Delivers every record of the transaction and commits it: consumers reading committed data
   * see all of them. Rejects with {@link TransactionStateError} if one of them failed (then
   * abort), or {@link ProducerFencedError}.
   */
  async commitTransaction(): Promise<void> {
    await this.#transactional().end(true, () => this.flush());
  }

  /** Ends the transaction without committing: its records stay invisible to read_committed. */
  async abortTransaction(): Promise<void> {
    await this.#transactional().end(false, () => this.flush());
  }

  /**
   * Commits consumer offsets as part of the transaction, so they count only if it commits
   * (consume-transform-produce exactly once). `offset` is the next offset to read.
   */
  async sendOffsetsToTransaction(
    offsets: readonly TransactionOffset[],
    groupId: string,
  ): Promise<void> {
    await this.#transactional().sendOffsets(offsets, groupId);
  }

  #transactional(): Transactions {
    if (this.#closing) throw new ProducerClosedError("the producer is closed");
    if (!this.#transactions) {
      throw new TransactionStateError("transactions need a transactionalId in the config");
    }
    return this.#transactions;
  }

  /** Sends every buffered record now and resolves once all of them have succeeded or failed. */
  async flush(): Promise<void> {
    await this.#waitBlockedDrained();
    this.#wake.signal();
    await this.#accumulator.flush();
  }

  /** The partitions of `topic`, from metadata (fetched if needed, waiting up to `maxBlockMs`). */
  async partitionsFor(topic: string): Promise<PartitionInfo[]> {
    validateTopic(topic);
    if (this.#fatalError) throw this.#fatalError;
    const waiting = this.#metadata.waitForTopic(topic, Date.now() + this.#config.maxBlockMs);
    this.#wake.signal();
    await waiting;
    const count = this.#metadata.partitionCount(topic) ?? 0;
    return Array.from({ length: count }, (_, partition) => ({
      topic,
      partition,
      leader: this.#metadata.leaderFor(topic, partition),
    }));
  }

  /**
   * Sends what is buffered, waiting up to `timeoutMs` (default: until every record has
   * succeeded or failed, which `deliveryTimeoutMs` bounds), then rejects whatever is left with
   * {@link ProducerClosedError} and closes the connections. Calling it again returns the same
   * promise.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? Infinity);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#accumulator.beginClose();
    this.#wake.signal();
    const graceful = (async () => {
      await this.#waitBlockedDrained();
      await this.#accumulator.flush();
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      graceful.then(() => false),
      new Promise<boolean>((resolve) => {
        if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      const error = new ProducerClosedError(
        `producer closed before the record was sent (timeoutMs ${timeoutMs})`,
      );
      for (const blocked of this.#blocked.drain()) this.#failBlocked(blocked, error);
      this.#metadata.abortWaiters(error);
      this.#pool.cancelWait();
      this.#accumulator.failAll(error);
    }
    // The last telemetry push, with the final counts, unless close() ran out of time.
    await this.#telemetry?.close(!timedOut);
    await this.#sender.stop();
    this.#network.close();
    this.#instrumentation.logger.info("producer closed", { clientId: this.#config.clientId });
  }

  /** The producer cannot go on: reject everything waiting and buffered with the error. */
  #failFatally(error: KafkaEdgeError): void {
    this.#fatalError ??= error;
    for (const blocked of this.#blocked.drain()) this.#failBlocked(blocked, error);
    this.#metadata.abortWaiters(error);
    this.#pool.cancelWait();
    this.#accumulator.failAll(error);
  }

  #checkSize(record: SerializedRecord): void {
    const size = RECORD_BATCH_OVERHEAD + record.size;
    const limit = Math.min(this.#config.maxRequestSize, this.#config.bufferMemory);
    if (size > limit) {
      const which = limit === this.#config.maxRequestSize ? "maxRequestSize" : "bufferMemory";
      throw new RecordTooLargeError(
        `the record needs ${size} bytes, more than ${which} (${limit})`,
      );
    }
  }

  /** Appends to `partition` when memory allows; false when the record must wait for memory. */
  #append(
    record: SerializedRecord,
    partition: number,
    nowMs: number,
    resolve: Resolve,
    reject: Reject,
  ): boolean {
    if (!this.#accumulator.append(record, partition, nowMs, resolve, reject)) return false;
    if (
      record.partition === undefined && (record.key === null || this.#config.partitionerIgnoreKeys)
    ) {
      // As in the Java client, a sticky partition gets batchSize bytes as they will be sent:
      // compressed, as estimated.
      const bytes = record.value?.length ?? 0;
      const sent = this.#compressor?.compressedSize(record.topic, bytes) ?? bytes;
      this.#sticky.recordAppended(record.topic, partition, sent);
    }
    return true;
  }

  #partitionOf(record: SerializedRecord, count: number): number {
    let partition: number;
    if (record.partition !== undefined) {
      partition = record.partition;
    } else if (this.#config.partitioner) {
      partition = callPartitioner(this.#config.partitioner, {
        topic: record.topic,
        key: dataBytes(record.key),
        value: dataBytes(record.value),
        numPartitions: count,
      });
    } else if (record.key !== null && !this.#config.partitionerIgnoreKeys) {
      return partitionForKey(record.key, count);
    } else {
      return this.#sticky.partition(
        record.topic,
        count,
        this.#metadata.availablePartitions(record.topic),
      );
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
      throw new InvalidRecordError(
        `partition ${partition} is not in the range [0, ${count - 1}] of topic ${record.topic}`,
      );
    }
    return partition;
  }

  #block(
    record: SerializedRecord,
    partition: number,
    signal: AbortSignal | undefined,
    accepted: Deferred<boolean> | null,
    resolve: Resolve,
    reject: Reject,
  ): void {
    const blocked: BlockedSend = {
      record,
      partition,
      deadline: Date.now() + this.#config.maxBlockMs,
      resolve,
      reject,
      signal,
      onAbort: null,
      accepted,
      done: false,
    };
    if (signal) {
      blocked.onAbort = () => this.#failBlocked(blocked, abortError(signal));
      signal.addEventListener("abort", blocked.onAbort, { once: true });
    }
    this.#blocked.push(blocked);
    if (this.#blocked.length === 1) this.#drainBlocked();
  }

  /** Settles a queued send that will not be appended (it stays queued until it is the head). */
  #failBlocked(blocked: BlockedSend, error: Error): void {
    if (blocked.done) return;
    blocked.done = true;
    if (blocked.onAbort) blocked.signal!.removeEventListener("abort", blocked.onAbort);
    blocked.reject(error);
    blocked.accepted?.resolve(false);
  }

  /** Appends the queued sends in order, each waiting for metadata and memory until its deadline. */
  async #drainBlocked(): Promise<void> {
    while (this.#blocked.length > 0) {
      const head = this.#blocked.peek()!;
      try {
        if (!head.done && head.partition < 0) {
          const topic = head.record.topic;
          if (this.#metadata.partitionCount(topic) === undefined) {
            const waiting = this.#metadata.waitForTopic(topic, head.deadline);
            this.#wake.signal();
            await abortable(waiting, head.signal, abortError);
          }
          head.partition = this.#partitionOf(head.record, this.#metadata.partitionCount(topic)!);
        }
        while (!head.done) {
          if (this.#append(head.record, head.partition, Date.now(), head.resolve, head.reject)) {
            head.done = true;
            if (head.onAbort) head.signal!.removeEventListener("abort", head.onAbort);
            head.accepted?.resolve(true);
            break;
          }
          await this.#waitForMemory(head);
        }
      } catch (error) {
        this.#failBlocked(head, error as Error);
      }
      if (this.#blocked.peek() === head) this.#blocked.shift();
    }
    this.#blockedDrained?.resolve();
    this.#blockedDrained = null;
  }

  /** Waits until the pool has room for the head's batch; throws when its deadline passes. */
  async #waitForMemory(head: BlockedSend): Promise<void> {
    const size = this.#accumulator.batchBufferSize(head.record);
    const started = performance.now();
    const memory = Date.now() < head.deadline && this.#pool.waitForMemory(size, head.deadline);
    this.#wake.signal(); // a waiter makes every batch sendable at once
    let granted: boolean;
    try {
      granted = await abortable(Promise.resolve(memory), head.signal, abortError);
    } catch (error) {
      this.#pool.cancelWait(); // the wait was ours: end it, or its timer would outlive it
      throw error;
    } finally {
      this.#instrumentation.metrics.bufferWaited((performance.now() - started) * 1e6, Date.now());
    }
    if (!granted) {
      throw new BufferExhaustedError(
        `no room for the record in bufferMemory (${this.#config.bufferMemory} bytes) ` +
          `within maxBlockMs (${this.#config.maxBlockMs})`,
      );
    }
  }

  #waitBlockedDrained(): Promise<void> {
    if (this.#blocked.length === 0) return Promise.resolve();
    this.#blockedDrained ??= new Deferred<void>();
    return this.#blockedDrained.promise;
  }
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError("send() aborted before the record was appended: it was not sent", {
    cause: signal.reason,
  });
}
