/**
 * Choosing a record's partition, the way Kafka's Java producer does.
 *
 * - **Keyed records**: {@link keyedPartition}, `toPositive(murmur2(key)) % numPartitions`, the
 *   Java client's `BuiltInPartitioner.partitionForKey`. {@link murmur2} is bit-for-bit Kafka's
 *   `org.apache.kafka.common.utils.Utils.murmur2` (checked against Kafka's own code by
 *   `tests/golden/murmur2.test.ts`), so a key lands on the same partition whichever client
 *   wrote it (librdkafka calls this partitioner `murmur2_random`).
 * - **Records without a key**: {@link StickyPartitioner}, the sticky partitioner of KIP-794 (the
 *   Java default since Kafka 3.3): all of a topic's unkeyed records go to one partition until
 *   `batchSize` bytes have been appended to it, then a partition is drawn at random for the next
 *   ones. Records batch well and, over time, spread evenly; with adaptive partitioning, partitions
 *   whose leader keeps batches waiting are drawn less often.
 * - **A user's own choice**: a {@link CustomPartitioner} function.
 *
 * Nothing here allocates per record.
 *
 * @module
 */

import { utf8Scratch } from "../protocol/utf8.ts";

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;

/**
 * Kafka's murmur2 hash (`org.apache.kafka.common.utils.Utils.murmur2`): MurmurHash2, 32-bit, seed
 * `0x9747b28c`, bytes read little-endian four at a time. Returns a signed 32-bit integer, as Java
 * does. `length` hashes only the first bytes of `data` (a scratch buffer).
 */
export function murmur2(data: Uint8Array, length: number = data.length): number {
  let h = MURMUR2_SEED ^ length;
  const end4 = length & ~3;
  for (let i = 0; i < end4; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> 24;
    k = Math.imul(k, MURMUR2_M);
    h = Math.imul(h, MURMUR2_M) ^ k;
  }
  const rest = length & 3;
  if (rest !== 0) {
    if (rest === 3) h ^= data[end4 + 2] << 16;
    if (rest >= 2) h ^= data[end4 + 1] << 8;
    h ^= data[end4];
    h = Math.imul(h, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  h ^= h >>> 15;
  return h;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which overflows in Java). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition of a record with a key, as Kafka's Java producer picks it
 * (`BuiltInPartitioner.partitionForKey`): `toPositive(murmur2(keyBytes)) % numPartitions`.
 * An empty key is a key (it hashes); only a null key goes to the {@link StickyPartitioner}.
 */
export function keyedPartition(
  keyBytes: Uint8Array,
  numPartitions: number,
  length: number = keyBytes.length,
): number {
  return (murmur2(keyBytes, length) & 0x7fffffff) % numPartitions;
}

/** {@link keyedPartition} of a key given as bytes or as text (hashed as its UTF-8 bytes). */
export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  if (typeof key !== "string") return keyedPartition(key, numPartitions);
  const { bytes, length } = utf8Scratch(key);
  return keyedPartition(bytes, numPartitions, length);
}

/**
 * A user-supplied partitioner (the `partitioner` option of the producer). It is called for every
 * record that names no partition, keyed or not, and must return an integer in
 * `[0, numPartitions)`. The arrays are the producer's: read them, do not keep or change them.
 */
export type CustomPartitioner = (args: {
  topic: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  numPartitions: number;
}) => number;

/** Options of a {@link StickyPartitioner}. */
export interface StickyPartitionerOptions {
  /**
   * Bytes to append to the sticky partition before switching: the producer's `batchSize` (Kafka's
   * `batch.size`). An integer; 0 counts as 1, as in the Java producer (which then switches after
   * every record).
   */
  batchSize: number;
  /**
   * A uniform random number in `[0, 1)`, like `Math.random` (the default). Injectable so tests
   * can be deterministic.
   */
  random?: () => number;
}

/** Per-topic state: created once per topic, then mutated in place. */
interface StickyTopic {
  /** The current sticky partition, or -1 when the next call to `partition()` must draw one. */
  partition: number;
  /** Bytes appended to `partition` since it was drawn. */
  producedBytes: number;
  /**
   * Adaptive partitioning: a cumulative frequency table over `loadIds` (its first `loadLength`
   * entries), each partition weighted by how much shorter its queue is than the longest. A
   * draw in `[0, loadTable[loadLength - 1])` falls on the first entry greater than it.
   * `loadLength` 0: no load information, draws are uniform.
   */
  loadTable: number[];
  /** The partition of each entry of `loadTable`. */
  loadIds: number[];
  loadLength: number;
}

/**
 * The sticky partitioner of KIP-794, for records without a key (and without an explicit partition
 * or a custom partitioner).
 *
 * Per topic, it keeps one current partition. The producer calls {@link partition} to know where an
 * unkeyed record goes, appends the record there, and then calls {@link recordAppended} with the
 * bytes the record added. Once `batchSize` bytes have been appended to the current partition, the
 * next call to {@link partition} draws a new one at random; without load information uniformly:
 * among `availablePartitions` if the caller gives a non-empty list (the partitions whose leader is
 * known), else among all `numPartitions`. As in the Java client, the draw may give the same
 * partition again, and the current partition is kept even if it becomes unavailable until it has
 * had its bytes.
 *
 * Adaptive partitioning (Java's `partitioner.adaptive.partitioning.enable`): the record accumulator
 * tells {@link updatePartitionLoad} how many batches wait in each partition's queue whenever the
 * sender looks for sendable batches; a new partition is then drawn with a probability that falls
 * as its queue grows (weight: the longest queue + 1 − its own), so a slow leader gets fewer
 * records. Partitions the accumulator leaves out (no leader, or a leader that has not taken
 * batches for `partitionerAvailabilityTimeoutMs`) are not drawn.
 *
 * Single-threaded, as JavaScript is: call `partition()` and `recordAppended()` for the same record
 * without yielding in between, or a record appended after a switch is simply not counted.
 *
 * @example A sketch of the calls (not runnable alone)
 * ```ts ignore
 * const sticky = new StickyPartitioner({ batchSize: 16384 });
 * const p = sticky.partition("events", 6, available); // `available` cached per metadata update
 * const bytes = accumulator.append("events", p, record); // the record's size in the batch
 * sticky.recordAppended("events", p, bytes);
 * ```
 */
export class StickyPartitioner {
  /** Bytes appended to a sticky partition before it is switched (at least 1). */
  readonly batchSize: number;
  readonly #random: () => number;
  readonly #topics = new Map<string, StickyTopic>();

  constructor(options: StickyPartitionerOptions) {
    const { batchSize, random = Math.random } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 0) {
      throw new RangeError(`batchSize must be an integer >= 0, got ${batchSize}`);
    }
    this.batchSize = Math.max(1, batchSize);
    this.#random = random;
  }

  /**
   * The partition for the next record without a key on `topic`.
   *
   * @param numPartitions the topic's partition count (at least 1)
   * @param availablePartitions the partitions whose leader is known, used when a new partition is
   *   drawn; an empty list or none means "all of `0 .. numPartitions - 1`". Pass the same array
   *   (kept per metadata update) on every call: it is only read, and only at a switch.
   */
  partition(
    topic: string,
    numPartitions: number,
    availablePartitions?: readonly number[],
  ): number {
    if (!(numPartitions >= 1)) {
      throw new RangeError(`numPartitions must be >= 1, got ${numPartitions}`);
    }
    const state = this.#topic(topic);
    const current = state.partition;
    // A partition count that shrank (stale metadata, a re-created topic) also forces a new draw.
    if (current >= 0 && current < numPartitions) return current;
    let next = state.loadLength > 0 ? this.#weightedDraw(state) : -1;
    if (next < 0 || next >= numPartitions) {
      next = availablePartitions !== undefined && availablePartitions.length > 0
        ? availablePartitions[this.#randomIndex(availablePartitions.length)]
        : this.#randomIndex(numPartitions);
    }
    state.partition = next;
    state.producedBytes = 0;
    return next;
  }

  /**
   * Adaptive partitioning: the batches waiting in each partition's queue of `topic`, as the
   * accumulator counted them. `queueSizes[i]` belongs to partition `partitionIds[i]`, for `i <
   * length`; `measured` is how many partitions were looked at before those without a usable
   * leader were left out (so `length < measured` means some were). `queueSizes` null: no
   * counts (not every partition has had a batch yet), draws are uniform. The arrays are only
   * read, during the call.
   */
  updatePartitionLoad(
    topic: string,
    queueSizes: readonly number[] | null,
    partitionIds: readonly number[],
    length: number,
    measured: number,
  ): void {
    const existing = this.#topics.get(topic);
    // Fewer than two partitions, or none left: nothing to weigh.
    if (queueSizes === null || length < 1 || measured < 2) {
      if (existing) existing.loadLength = 0;
      return;
    }
    let longest = queueSizes[0];
    let allEqual = true;
    for (let i = 1; i < length; i++) {
      if (queueSizes[i] !== longest) allEqual = false;
      if (queueSizes[i] > longest) longest = queueSizes[i];
    }
    // Equal queues and none left out: a uniform draw is the same, and cheaper.
    if (allEqual && length === measured) {
      if (existing) existing.loadLength = 0;
      return;
    }
    const state = existing ?? this.#topic(topic);
    const { loadTable, loadIds } = state;
    let sum = 0;
    for (let i = 0; i < length; i++) {
      sum += longest + 1 - queueSizes[i];
      loadTable[i] = sum;
      loadIds[i] = partitionIds[i];
    }
    state.loadLength = length;
  }

  /**
   * Counts `bytes` appended to `partition` of `topic` by a record whose partition came from
   * {@link partition}; switches the sticky partition once `batchSize` bytes were appended. Calls
   * for another partition than the current one (e.g. after a switch) are ignored.
   */
  recordAppended(topic: string, partition: number, bytes: number): void {
    const state = this.#topics.get(topic);
    if (state === undefined || state.partition !== partition) return;
    state.producedBytes += bytes;
    if (state.producedBytes >= this.batchSize) {
      state.partition = -1;
      state.producedBytes = 0;
    }
  }

  /** The current sticky partition of `topic`, or -1 if the next record will draw a new one. */
  currentPartition(topic: string): number {
    return this.#topics.get(topic)?.partition ?? -1;
  }

  #topic(topic: string): StickyTopic {
    let state = this.#topics.get(topic);
    if (state === undefined) {
      state = { partition: -1, producedBytes: 0, loadTable: [], loadIds: [], loadLength: 0 };
      this.#topics.set(topic, state);
    }
    return state;
  }

  /** A partition drawn from the load table: the first entry greater than a uniform draw. */
  #weightedDraw(state: StickyTopic): number {
    const table = state.loadTable;
    const drawn = this.#randomIndex(table[state.loadLength - 1]);
    let low = 0;
    let high = state.loadLength - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (table[middle] > drawn) high = middle;
      else low = middle + 1;
    }
    return state.loadIds[low];
  }

  #randomIndex(n: number): number {
    const i = Math.floor(this.#random() * n);
    return i >= 0 && i < n ? i : i < 0 ? 0 : n - 1;
  }
}
