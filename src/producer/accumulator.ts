/**
 * The record accumulator: per partition, a queue of batches. `send()` appends to the partition's
 * open batch, opening a new one from the buffer pool when it is full; the sender asks which
 * leaders have batches worth sending (`ready`) and takes them, one batch per partition per
 * request, up to `maxRequestSize` (`drain`).
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";
import { RECORD_BATCH_OVERHEAD } from "../protocol/record_batch.ts";
import type { BatchCompressor } from "./batch_compressor.ts";
import { type BufferPool, POOLED_SIZE_MULTIPLES } from "./buffer_pool.ts";
import type { ClusterMetadata } from "../client/cluster_metadata.ts";
import {
  lastReject,
  lastResolve,
  newDelivery,
  partitionKey,
  ProducerBatch,
  type Reject,
  type Resolve,
} from "./producer_batch.ts";
import type { RecordMetadata, SerializedRecord } from "./record.ts";

/** Settings of a {@link RecordAccumulator}. */
export interface AccumulatorOptions {
  batchSize: number;
  lingerMs: number;
  deliveryTimeoutMs: number;
  /** Caps the uncompressed bytes of a compressed batch. */
  maxRequestSize?: number;
  /** Compresses the batches when they are closed; null without compression. */
  compressor?: BatchCompressor | null;
  /**
   * Adaptive partitioning: told at each `ready()` how many batches wait per partition; null
   * (the default) when it is off.
   */
  partitionLoad?: PartitionLoadListener | null;
  /**
   * Java's `partitioner.availability.timeout.ms`: a leader that had batches ready but could not
   * take them for longer than this is left out of the partition load (its partitions are not
   * drawn). 0 (the default): never.
   */
  partitionerAvailabilityTimeoutMs?: number;
}

/** Hears the queue length of each partition of a topic (the sticky partitioner's load). */
export interface PartitionLoadListener {
  /**
   * `queueSizes[i]` batches wait for partition `partitionIds[i]`, `i < length`: the partitions
   * with a usable leader among `measured` looked at; null when not every partition of the topic
   * has had a batch yet. The arrays are the accumulator's: read them during the call only.
   */
  updatePartitionLoad(
    topic: string,
    queueSizes: readonly number[] | null,
    partitionIds: readonly number[],
    length: number,
    measured: number,
  ): void;
}

/** When a leader last had batches ready, and last could take them. */
interface NodeLatency {
  readyTimeMs: number;
  drainTimeMs: number;
}

/** A new batch's buffer size and how many of its bytes the records may take. */
interface BatchLayout {
  bufferSize: number;
  limit: number;
}

/** What `ready` found. */
export interface ReadyCheck {
  /** Leaders with at least one batch to send now. */
  readyNodes: Set<number>;
  /** When the next not-yet-ready batch becomes ready (Infinity: none waiting). */
  nextReadyCheckDelayMs: number;
  /** Topics with batches whose partition has no known leader. */
  unknownLeaderTopics: Set<string>;
}

/** What the broker answered for an acknowledged batch (-1n: unknown, as with acks 0). */
export interface BatchAcknowledgement {
  baseOffset: bigint;
  /** The broker's append time on LogAppendTime topics, else -1n. */
  logAppendTimeMs: bigint;
  /** The partition's first offset (Produce v5+), else -1n. */
  logStartOffset: bigint;
}

/** Told of a batch that is done: `error` when it failed, else what the broker answered. */
export type BatchDoneListener = (
  batch: ProducerBatch,
  error: Error | undefined,
  ack: BatchAcknowledgement,
) => void;

const UNKNOWN_ACK: BatchAcknowledgement = {
  baseOffset: -1n,
  logAppendTimeMs: -1n,
  logStartOffset: -1n,
};

/** Per-partition batch queues. */
export class RecordAccumulator {
  readonly #options: AccumulatorOptions;
  readonly #pool: BufferPool;
  readonly #queues = new Map<string, Map<number, ProducerBatch[]>>();
  /** Every batch not yet done, in flight or queued. */
  readonly #incomplete = new Set<ProducerBatch>();
  /** Partitions with a batch in flight, when order must hold with one request in flight. */
  readonly #muted = new Set<string>();
  #flushesInProgress = 0;
  #nextBatchIndex = 0;
  #closing = false;
  /** Round-robin start per node, so drains are fair across partitions. */
  readonly #drainIndex = new Map<number, number>();
  /** Per leader, for `partitionerAvailabilityTimeoutMs`. */
  readonly #nodeLatency = new Map<number, NodeLatency>();
  /** Scratch arrays of `ready()`'s partition load, reused for every topic. */
  readonly #queueSizes: number[] = [];
  readonly #partitionIds: number[] = [];

  readonly #onBatchReady: () => void;
  readonly #onBatchDone: BatchDoneListener;

  /**
   * `onBatchReady` is called when a batch fills up or a new one begins: the sender's cue.
   * `onBatchDone` hears of every batch once it is acknowledged or fails for good.
   */
  constructor(
    options: AccumulatorOptions,
    pool: BufferPool,
    onBatchReady: () => void,
    onBatchDone: BatchDoneListener = () => {},
  ) {
    this.#options = options;
    this.#pool = pool;
    this.#onBatchReady = onBatchReady;
    this.#onBatchDone = onBatchDone;
  }

  /** Bytes of buffer memory a new batch for `record` takes. */
  batchBufferSize(record: SerializedRecord): number {
    return this.#layout(record).bufferSize;
  }

  /**
   * Without compression a batch holds `batchSize` bytes, or one larger record. With compression
   * it holds as many uncompressed bytes as are estimated to compress to `batchSize` (the topic's
   * ratio, 5% margin, as the Java client's estimate), at most `maxRequestSize` and 16 ×
   * `batchSize`; its buffer is the next size the pool keeps (batchSize × 1, 2, 4, 8, 16).
   */
  #layout(record: SerializedRecord): BatchLayout {
    const { batchSize, compressor, maxRequestSize } = this.#options;
    const recordSize = RECORD_BATCH_OVERHEAD + record.size;
    if (!compressor) {
      const size = Math.max(batchSize, recordSize);
      return { bufferSize: size, limit: size };
    }
    const maxMultiple = POOLED_SIZE_MULTIPLES[POOLED_SIZE_MULTIPLES.length - 1];
    const estimated = compressor.uncompressedLimit(record.topic, batchSize);
    const wanted = Math.min(
      estimated,
      maxMultiple * batchSize,
      Math.max(batchSize, maxRequestSize ?? Infinity),
    );
    const limit = Math.max(batchSize, wanted, recordSize);
    const multiple = POOLED_SIZE_MULTIPLES.find((m) => m * batchSize >= limit);
    return { bufferSize: multiple === undefined ? limit : multiple * batchSize, limit };
  }

  /**
   * Appends to the partition's open batch, or to a new batch when a buffer is available now; the
   * record's delivery is settled through `resolve` and `reject`. Returns false when a new batch
   * is needed and the pool has no memory: the caller waits for memory
   * (`BufferPool.waitForMemory`) and calls again.
   */
  append(
    record: SerializedRecord,
    partition: number,
    nowMs: number,
    resolve: Resolve,
    reject: Reject,
  ): boolean {
    const queue = this.#queue(record.topic, partition);
    const last = queue.length > 0 ? queue[queue.length - 1] : undefined;
    const { timestamp, key, value, headers } = record;
    if (last && !last.isFull && last.append(timestamp, key, value, headers, resolve, reject)) {
      if (last.isFull || queue.length > 1) this.#onBatchReady();
      return true;
    }
    const layout = this.#layout(record);
    const buffer = this.#pool.tryAllocate(layout.bufferSize);
    if (!buffer) return false;
    const batch = new ProducerBatch(
      record.topic,
      partition,
      buffer,
      nowMs,
      this.#nextBatchIndex++,
      true,
      this.#options.compressor ?? null,
      layout.limit,
    );
    // The buffer was sized for this record, so it fits.
    batch.append(timestamp, key, value, headers, resolve, reject);
    queue.push(batch);
    this.#incomplete.add(batch);
    this.#onBatchReady();
    return true;
  }

  /** {@link append}, returning the record's delivery promise, or null when it must wait. */
  appendRecord(
    record: SerializedRecord,
    partition: number,
    nowMs: number,
  ): Promise<RecordMetadata> | null {
    const delivery = newDelivery();
    return this.append(record, partition, nowMs, lastResolve, lastReject) ? delivery : null;
  }

  /**
   * Which leaders have sendable batches, and when to look again for the others. With adaptive
   * partitioning, also tells the partitioner each partition's queue length (as Java's
   * `RecordAccumulator.partitionReady` does).
   */
  ready(metadata: ClusterMetadata, nowMs: number): ReadyCheck {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextReadyCheckDelayMs = Infinity;
    const sendAll = this.#closing || this.#flushesInProgress > 0 || this.#pool.exhausted;
    const load = this.#options.partitionLoad ?? null;
    const queueSizes = this.#queueSizes;
    const partitionIds = this.#partitionIds;
    for (const [topic, partitions] of this.#queues) {
      // Until every partition has had a batch, a partition without a queue would never be drawn:
      // uniform draws until then, as in Java.
      const measuring = load !== null &&
        partitions.size >= (metadata.partitionCount(topic) ?? Infinity);
      let measuredLength = 0;
      for (const [partition, queue] of partitions) {
        if (queue.length === 0 && !measuring) continue;
        const leader = metadata.leaderFor(topic, partition);
        if (measuring && leader >= 0 && this.#isAvailable(leader)) {
          queueSizes[measuredLength] = queue.length;
          partitionIds[measuredLength++] = partition;
        }
        if (queue.length === 0) continue;
        if (leader < 0) {
          unknownLeaderTopics.add(topic);
          continue;
        }
        if (readyNodes.has(leader) || this.#muted.has(partitionKey(topic, partition))) continue;
        const batch = queue[0];
        const backingOff = batch.attempts > 0 && nowMs < batch.retryNotBeforeMs;
        if (backingOff) {
          nextReadyCheckDelayMs = Math.min(nextReadyCheckDelayMs, batch.retryNotBeforeMs - nowMs);
          continue;
        }
        const full = queue.length > 1 || batch.isFull;
        const waitedMs = nowMs - (batch.attempts > 0 ? batch.lastAttemptMs : batch.createdMs);
        const lingerLeft = batch.attempts > 0 ? 0 : this.#options.lingerMs - waitedMs;
        if (full || lingerLeft <= 0 || sendAll) readyNodes.add(leader);
        else nextReadyCheckDelayMs = Math.min(nextReadyCheckDelayMs, lingerLeft);
      }
      load?.updatePartitionLoad(
        topic,
        measuring ? queueSizes : null,
        partitionIds,
        measuredLength,
        partitions.size,
      );
    }
    return { readyNodes, nextReadyCheckDelayMs, unknownLeaderTopics };
  }

  /**
   * The sender's word on a leader that `ready()` found with batches to send: whether it could
   * take them now (`canDrain`), for `partitionerAvailabilityTimeoutMs`.
   */
  updateNodeLatency(node: number, nowMs: number, canDrain: boolean): void {
    if ((this.#options.partitionerAvailabilityTimeoutMs ?? 0) <= 0) return;
    let latency = this.#nodeLatency.get(node);
    if (!latency) this.#nodeLatency.set(node, latency = { readyTimeMs: nowMs, drainTimeMs: nowMs });
    if (canDrain) latency.drainTimeMs = nowMs;
    latency.readyTimeMs = nowMs;
  }

  /** False for a leader that has had batches ready but not taken them for too long. */
  #isAvailable(node: number): boolean {
    const timeoutMs = this.#options.partitionerAvailabilityTimeoutMs ?? 0;
    if (timeoutMs <= 0) return true;
    const latency = this.#nodeLatency.get(node);
    return latency === undefined || latency.readyTimeMs - latency.drainTimeMs <= timeoutMs;
  }

  /**
   * Takes, for each ready node, at most one batch per partition it leads, up to `maxSize`
   * bytes per node (a single larger batch still goes alone). `canDrain` may hold a partition's
   * head batch back (the idempotent producer's ordering of retries).
   */
  drain(
    metadata: ClusterMetadata,
    nodes: Iterable<number>,
    maxSize: number,
    nowMs: number,
    canDrain: (batch: ProducerBatch) => boolean = () => true,
  ): Map<number, ProducerBatch[]> {
    const drained = new Map<number, ProducerBatch[]>();
    for (const node of nodes) {
      const partitions = metadata.partitionsLedBy(node);
      if (partitions.length === 0) continue;
      const start = (this.#drainIndex.get(node) ?? 0) % partitions.length;
      const batches: ProducerBatch[] = [];
      let size = 0;
      for (let i = 0; i < partitions.length; i++) {
        const index = (start + i) % partitions.length;
        const { topic, partition } = partitions[index];
        if (this.#muted.has(partitionKey(topic, partition))) continue;
        const queue = this.#queues.get(topic)?.get(partition);
        const batch = queue?.[0];
        if (!batch || (batch.attempts > 0 && nowMs < batch.retryNotBeforeMs)) continue;
        if (!canDrain(batch)) continue;
        if (batches.length > 0 && size + batch.sizeInBytes > maxSize) {
          this.#drainIndex.set(node, index);
          break;
        }
        queue!.shift();
        batches.push(batch);
        size += batch.sizeInBytes;
      }
      if (batches.length > 0) drained.set(node, batches);
    }
    return drained;
  }

  /**
   * Puts a batch back into its queue for a retry, in creation order among the batches already
   * there: retries that come back in any order go out again in the order they were sent.
   */
  reenqueue(batch: ProducerBatch): void {
    const queue = this.#queue(batch.topic, batch.partition);
    let at = 0;
    while (at < queue.length && queue[at].index < batch.index) at++;
    queue.splice(at, 0, batch);
  }

  /**
   * Replaces a batch the broker found too large by one batch per record, at its queue's head;
   * returns the parts.
   */
  splitAndReenqueue(batch: ProducerBatch): ProducerBatch[] {
    if (!this.#incomplete.delete(batch)) return [];
    const parts = batch.split();
    if (batch.pooled) this.#pool.deallocate(batch.buffer);
    for (const part of parts) {
      this.#incomplete.add(part);
      this.reenqueue(part);
    }
    return parts;
  }

  /** Stops `drain` from taking the partition's next batch (one request in flight). */
  mute(batch: ProducerBatch): void {
    this.#muted.add(partitionKey(batch.topic, batch.partition));
  }

  unmute(batch: ProducerBatch): void {
    this.#muted.delete(partitionKey(batch.topic, batch.partition));
  }

  /**
   * Removes and fails queued batches older than `deliveryTimeoutMs`, and returns them; `metadata`,
   * when given, lets the error say why a batch never went out (its partition has no leader, or is
   * gone).
   */
  expireBatches(nowMs: number, metadata?: ClusterMetadata): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const partitions of this.#queues.values()) {
      for (const queue of partitions.values()) {
        while (queue.length > 0 && nowMs - queue[0].createdMs >= this.#options.deliveryTimeoutMs) {
          const batch = queue.shift()!;
          this.complete(batch, this.#expiryError(batch, nowMs, metadata));
          expired.push(batch);
        }
      }
    }
    return expired;
  }

  /** Milliseconds until the oldest queued batch expires. */
  timeToNextExpiry(nowMs: number): number {
    let earliest = Infinity;
    for (const partitions of this.#queues.values()) {
      for (const queue of partitions.values()) {
        if (queue.length > 0) earliest = Math.min(earliest, queue[0].createdMs);
      }
    }
    return Math.max(0, earliest + this.#options.deliveryTimeoutMs - nowMs);
  }

  /** Whether `batch` ran out of delivery time. */
  isExpired(batch: ProducerBatch, nowMs: number): boolean {
    return this.timeToExpiry(batch, nowMs) === 0;
  }

  /** Milliseconds until `batch` runs out of delivery time. */
  timeToExpiry(batch: ProducerBatch, nowMs: number): number {
    return Math.max(0, batch.createdMs + this.#options.deliveryTimeoutMs - nowMs);
  }

  #expiryError(batch: ProducerBatch, nowMs: number, metadata?: ClusterMetadata): TimeoutError {
    const { topic, partition } = batch;
    const count = metadata?.partitionCount(topic);
    let why = "";
    if (metadata && count === undefined) why = `; topic ${topic} is not in the metadata`;
    else if (count !== undefined && partition >= count) {
      // Partitions are never removed: the topic was deleted and created again with fewer.
      why = `; topic ${topic} has ${count} partition(s) now (re-created?)`;
    } else if (metadata && metadata.leaderFor(topic, partition) < 0) why = "; no leader known";
    const cause = batch.lastError ?? undefined;
    if (cause) why += `; last error: ${cause.message}`;
    return new TimeoutError(
      `${batch.recordCount} record(s) for ${topic}-${partition} expired: ` +
        `${nowMs - batch.createdMs} ms since the batch was created (deliveryTimeoutMs ` +
        `${this.#options.deliveryTimeoutMs})${why}`,
      { retriable: false, cause },
    );
  }

  /**
   * Finishes a batch: resolves its records (when `error` is absent, with `ack`) or rejects
   * them, and returns its buffer to the pool.
   */
  complete(batch: ProducerBatch, error?: Error, ack: BatchAcknowledgement = UNKNOWN_ACK): void {
    if (!this.#incomplete.delete(batch)) return;
    if (error) batch.fail(error);
    else batch.complete(ack.baseOffset, ack.logAppendTimeMs);
    // A batch that expired in flight keeps its buffer until its request settles (requestSettled).
    if (batch.pooled && batch.requestsInFlight === 0) this.#pool.deallocate(batch.buffer);
    this.#onBatchDone(batch, error, error ? UNKNOWN_ACK : ack);
  }

  /**
   * A request carrying `batch` was answered or failed: its connection holds the batch's bytes
   * no longer. Returns the buffer of a batch completed meanwhile (expired in flight) to the pool.
   */
  requestSettled(batch: ProducerBatch): void {
    batch.requestsInFlight--;
    if (
      batch.requestsInFlight === 0 && batch.pooled && batch.isDone && !this.#incomplete.has(batch)
    ) {
      this.#pool.deallocate(batch.buffer);
    }
  }

  /** Fails `batch` for good if it expired, for the sender's in-flight checks. */
  expireIfDue(batch: ProducerBatch, nowMs: number): boolean {
    if (!this.isExpired(batch, nowMs)) return false;
    this.complete(batch, this.#expiryError(batch, nowMs));
    return true;
  }

  /** Sends everything now, ignoring `lingerMs`, until the returned promise settles. */
  async flush(): Promise<void> {
    this.#flushesInProgress++;
    try {
      const pending = [...this.#incomplete].map((b) => b.settled);
      await Promise.all(pending);
    } finally {
      this.#flushesInProgress--;
    }
  }

  /** From now on every batch is sendable at once. */
  beginClose(): void {
    this.#closing = true;
  }

  /**
   * Fails the queued batches that were never sent (a transaction that must be aborted). Batches
   * queued for a retry stay: their earlier attempt may be in the log, and their outcome counts.
   */
  failUndrained(error: Error): void {
    for (const partitions of this.#queues.values()) {
      for (const queue of partitions.values()) {
        const undrained = queue.filter((batch) => batch.attempts === 0);
        if (undrained.length === 0) continue;
        const retries = queue.filter((batch) => batch.attempts > 0);
        queue.length = 0;
        queue.push(...retries);
        for (const batch of undrained) this.complete(batch, error);
      }
    }
  }

  /** Fails every batch not yet acknowledged. */
  failAll(error: Error): void {
    for (const partitions of this.#queues.values()) {
      for (const queue of partitions.values()) queue.length = 0;
    }
    for (const batch of [...this.#incomplete]) this.complete(batch, error);
  }

  #queue(topic: string, partition: number): ProducerBatch[] {
    let partitions = this.#queues.get(topic);
    if (!partitions) this.#queues.set(topic, partitions = new Map());
    let queue = partitions.get(partition);
    if (!queue) partitions.set(partition, queue = []);
    return queue;
  }
}
