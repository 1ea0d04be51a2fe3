/**
 * KafkaProducer: the public face of the producer. `send()` converts the record, picks its
 * partition and appends it to the accumulator; the sender does the rest.
 *
 * A send that cannot be appended at once (its topic's metadata is not known yet, or the buffer
 * memory is full) waits in a queue, in order, for at most `maxBlockMs`; while anything waits
 * there, later sends queue behind it, so records keep their send order per partition.
 *
 * @module
 */

import { Deferred } from "../async.ts";
import { Fifo } from "../fifo.ts";
import {
  type ProducerConfig,
  type ResolvedProducerConfig,
  resolveProducerConfig,
} from "../config.ts";
import {
  type AuthenticationError,
  BufferExhaustedError,
  InvalidRecordError,
  ProducerClosedError,
  RecordTooLargeError,
  TransactionStateError,
} from "../errors.ts";
import { parseEndpoint } from "../network/bootstrap.ts";
import { NetworkClient } from "../network/network_client.ts";
import { estimateRecordSize, RECORD_BATCH_OVERHEAD } from "../protocol/record_batch.ts";
import { resolveTransport } from "../transport/detect.ts";
import { SOFTWARE_NAME, SOFTWARE_VERSION } from "../version.ts";
import { RecordAccumulator } from "./accumulator.ts";
import { BatchCompressor } from "./batch_compressor.ts";
import { BufferPool } from "./buffer_pool.ts";
import { ClusterMetadata } from "./cluster_metadata.ts";
import { Idempotence } from "./idempotence.ts";
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

/** A partition as `partitionsFor` reports it. */
export interface PartitionInfo {
  topic: string;
  partition: number;
  /** Node id of the leader, -1 when it has none right now. */
  leader: number;
}

interface BlockedSend {
  record: SerializedRecord;
  deadline: number;
  result: Deferred<RecordMetadata>;
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
  readonly #sticky: StickyPartitioner;
  readonly #compressor: BatchCompressor | null;
  readonly #transactions: Transactions | null;
  readonly #blocked = new Fifo<BlockedSend>();
  #blockedDrained: Deferred<void> | null = null;
  #closing: Promise<void> | null = null;
  /** A failed authentication: every send from then on rejects with it. */
  #fatalError: AuthenticationError | null = null;

  /** Validates `config` (throws {@link ConfigError} naming the field) and starts the sender. */
  constructor(config: ProducerConfig<K, V>) {
    const resolved = resolveProducerConfig(config);
    this.#config = resolved;
    this.#serializers = config; // validated above: functions or absent
    const compressor = this.#compressor = resolved.compressionType === "none"
      ? null
      : new BatchCompressor(
        resolved.compressionType,
        resolved.compressionLevel,
        () => this.#sender.wakeup(),
      );
    const transport = resolveTransport(resolved.transport);
    this.#pool = new BufferPool(resolved.bufferMemory, resolved.batchSize);
    this.#accumulator = new RecordAccumulator(
      { ...resolved, compressor },
      this.#pool,
      () => this.#sender.wakeup(),
      (error) => this.#transactions?.batchFailed(error),
    );
    this.#metadata = new ClusterMetadata(resolved.metadataMaxAgeMs);
    this.#sticky = new StickyPartitioner({ batchSize: resolved.batchSize });
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
      () => this.#sender.wakeup(),
      (error) => this.#failFatally(error),
    );
    const bootstrap = resolved.bootstrapServers.map(parseEndpoint);
    const idempotence = resolved.enableIdempotence ? new Idempotence() : null;
    this.#transactions = resolved.transactionalId === undefined ? null : new Transactions(
      { ...resolved, transactionalId: resolved.transactionalId, bootstrap },
      this.#network,
      this.#metadata,
      idempotence!,
      () => this.#sender.wakeup(),
      (topic, partition, error) => this.#accumulator.failQueued(topic, partition, error),
    );
    this.#sender = new Sender(this.#accumulator, this.#metadata, this.#network, {
      ...resolved,
      bootstrap,
      idempotence,
      transactions: this.#transactions,
      compressor,
    });
    this.#sender.start();
  }

  /**
   * Sends a record. Resolves with where it was written once the broker acknowledged it (per
   * `acks`), or rejects with a typed error: {@link InvalidRecordError}, {@link SerializationError},
   * {@link RecordTooLargeError},
   * {@link TimeoutError} (no metadata or delivery in time), {@link BufferExhaustedError},
   * {@link KafkaBrokerError}, {@link ProducerClosedError}, {@link AuthenticationError}.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    if (this.#closing) return Promise.reject(new ProducerClosedError("send() after close()"));
    if (this.#fatalError) return Promise.reject(this.#fatalError);
    let serialized: SerializedRecord;
    try {
      this.#transactions?.checkCanSend();
      serialized = serializeRecord(record, this.#serializers);
      this.#checkSize(serialized);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#blocked.length === 0) {
      try {
        const delivery = this.#appendNow(serialized, Date.now());
        if (delivery) return delivery;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#block(serialized);
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
    this.#sender.wakeup();
    await this.#accumulator.flush();
  }

  /** The partitions of `topic`, from metadata (fetched if needed, waiting up to `maxBlockMs`). */
  async partitionsFor(topic: string): Promise<PartitionInfo[]> {
    validateTopic(topic);
    if (this.#fatalError) throw this.#fatalError;
    const waiting = this.#metadata.waitForTopic(topic, Date.now() + this.#config.maxBlockMs);
    this.#sender.wakeup();
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
    this.#sender.wakeup();
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
      for (const blocked of this.#blocked.drain()) blocked.result.reject(error);
      this.#metadata.abortWaiters(error);
      this.#pool.cancelWait();
      this.#accumulator.failAll(error);
    }
    await this.#sender.stop();
    this.#network.close();
  }

  /** Authentication failed: reject everything waiting and buffered with the error. */
  #failFatally(error: AuthenticationError): void {
    this.#fatalError = error;
    for (const blocked of this.#blocked.drain()) blocked.result.reject(error);
    this.#metadata.abortWaiters(error);
    this.#pool.cancelWait();
    this.#accumulator.failAll(error);
  }

  #checkSize(record: SerializedRecord): void {
    const size = RECORD_BATCH_OVERHEAD +
      estimateRecordSize(record.key, record.value, record.headers);
    const limit = Math.min(this.#config.maxRequestSize, this.#config.bufferMemory);
    if (size > limit) {
      const which = limit === this.#config.maxRequestSize ? "maxRequestSize" : "bufferMemory";
      throw new RecordTooLargeError(
        `the record needs ${size} bytes, more than ${which} (${limit})`,
      );
    }
  }

  /** Appends at once when metadata and memory allow; null when the record must wait. */
  #appendNow(record: SerializedRecord, nowMs: number): Promise<RecordMetadata> | null {
    const count = this.#metadata.partitionCount(record.topic);
    if (count === undefined) return null;
    const partition = this.#partitionOf(record, count);
    const delivery = this.#accumulator.tryAppend(record, partition, nowMs);
    if (!delivery) return null;
    if (
      record.partition === undefined && (record.key === null || this.#config.partitionerIgnoreKeys)
    ) {
      // As in the Java client, a sticky partition gets batchSize bytes as they will be sent:
      // compressed, as estimated.
      const ratio = this.#compressor?.estimatedRatio(record.topic) ?? 1;
      this.#sticky.recordAppended(record.topic, partition, (record.value?.length ?? 0) * ratio);
    }
    return delivery;
  }

  #partitionOf(record: SerializedRecord, count: number): number {
    let partition: number;
    if (record.partition !== undefined) {
      partition = record.partition;
    } else if (this.#config.partitioner) {
      partition = this.#config.partitioner({
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

  #block(record: SerializedRecord): Promise<RecordMetadata> {
    const result = new Deferred<RecordMetadata>();
    this.#blocked.push({ record, deadline: Date.now() + this.#config.maxBlockMs, result });
    if (this.#blocked.length === 1) this.#drainBlocked();
    return result.promise;
  }

  /** Appends the queued sends in order, each waiting for metadata and memory until its deadline. */
  async #drainBlocked(): Promise<void> {
    while (this.#blocked.length > 0) {
      const head = this.#blocked.peek()!;
      try {
        if (this.#metadata.partitionCount(head.record.topic) === undefined) {
          const waiting = this.#metadata.waitForTopic(head.record.topic, head.deadline);
          this.#sender.wakeup();
          await waiting;
        }
        for (;;) {
          const delivery = this.#appendNow(head.record, Date.now());
          if (delivery) {
            delivery.then(head.result.resolve, head.result.reject);
            break;
          }
          const size = this.#accumulator.batchBufferSize(head.record);
          const memory = Date.now() < head.deadline &&
            this.#pool.waitForMemory(size, head.deadline);
          this.#sender.wakeup(); // a waiter makes every batch sendable at once
          if (!await memory) {
            throw new BufferExhaustedError(
              `no room for the record in bufferMemory (${this.#config.bufferMemory} bytes) ` +
                `within maxBlockMs (${this.#config.maxBlockMs})`,
            );
          }
        }
      } catch (error) {
        head.result.reject(error as Error);
      }
      if (this.#blocked.peek() === head) this.#blocked.shift();
    }
    this.#blockedDrained?.resolve();
    this.#blockedDrained = null;
  }

  #waitBlockedDrained(): Promise<void> {
    if (this.#blocked.length === 0) return Promise.resolve();
    this.#blockedDrained ??= new Deferred<void>();
    return this.#blockedDrained.promise;
  }
}
