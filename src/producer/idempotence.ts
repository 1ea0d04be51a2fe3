/**
 * The idempotent producer's state: its producer id and epoch, and per partition the sequences
 * (partition_sequences.ts), kept by the Java client's rules (TransactionManager,
 * RecordAccumulator.shouldStopDrainBatchesForPartition):
 *
 * - A batch gets its sequence when first drained and keeps it, and its epoch, for every retry:
 *   its earlier attempt may be in the log, and the broker answers a retry it already has with the
 *   original offset instead of writing it twice. A retry goes out only as its partition's lowest
 *   pending sequence, so retries reach the broker in order, one at a time.
 * - When the broker lost a partition's sequence state (UNKNOWN_PRODUCER_ID past the log start,
 *   OUT_OF_ORDER_SEQUENCE_NUMBER on the very next sequence) or a batch of it failed for good, the
 *   epoch is bumped for that partition: its pending batches, none of which can be in the log, are
 *   renumbered from 0 under the new epoch. Other partitions keep their epoch for the batches they
 *   have already sequenced and move to the new one once none of those is pending; no new batch
 *   drains to a partition while it has pending batches of an older epoch.
 * - A batch that fails without a known outcome (it expired after a send) leaves its partition
 *   unresolved: nothing new drains there until the pending batches settle. If one after it was
 *   acknowledged, it was written; otherwise the partition's epoch is bumped.
 * - The idempotent producer bumps its epoch itself (same id, epoch + 1), without a request; it
 *   asks InitProducerId (producer_id.ts) for its first id and when the epoch runs out. The
 *   transactional producer's id and epoch come from its coordinator (transactions.ts), and it
 *   never bumps alone: a lost or failed batch makes its transaction abortable instead.
 *
 * @module
 */

import type { BatchHeader } from "../protocol/record_batch.ts";
import { ErrorCode } from "../error_codes.ts";
import { KafkaEdgeError } from "../errors.ts";
import { PartitionSequences } from "./partition_sequences.ts";
import { partitionKey, type ProducerBatch } from "./producer_batch.ts";

/** The highest producer epoch (int16). */
const MAX_EPOCH = 0x7fff;

/** Producer id, epoch and sequence numbers of an idempotent or transactional producer. */
export class Idempotence {
  readonly transactional: boolean;
  producerId = -1n;
  producerEpoch = -1;
  #requesting = false;
  #bumpRequired = false;
  /** Partitions whose pending batches are renumbered under the next epoch. */
  readonly #toRewrite = new Set<string>();
  readonly #partitions = new Map<string, PartitionSequences>();
  /** Told when a transactional producer's batches of unknown outcome leave a partition in doubt. */
  readonly #onUnresolved: (error: KafkaEdgeError) => void;

  constructor(
    transactional: boolean,
    onUnresolved: (error: KafkaEdgeError) => void = () => {},
  ) {
    this.transactional = transactional;
    this.#onUnresolved = onUnresolved;
  }

  /** Whether batches may be drained now (an id is held and none is being asked for). */
  get ready(): boolean {
    return this.producerId >= 0n && !this.#requesting;
  }

  /** Whether the idempotent producer should send InitProducerId now. */
  get needsProducerId(): boolean {
    return !this.transactional && this.producerId < 0n && !this.#requesting;
  }

  /** InitProducerId is on its way (a new id: the idempotent producer sends -1 and -1). */
  initRequest(): void {
    this.#requesting = true;
  }

  /** InitProducerId failed retriably: ask again later. */
  initFailed(): void {
    this.#requesting = false;
  }

  /**
   * The idempotent producer got a new id: partitions waiting for a bump are renumbered under it,
   * the others move to it once nothing of theirs is pending.
   */
  initialized(producerId: bigint, producerEpoch: number): void {
    this.#requesting = false;
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.#rewrite();
  }

  /**
   * A new id or epoch from the transaction coordinator (InitProducerId, or EndTxn v5): every
   * partition starts over at sequence 0.
   */
  restart(producerId: bigint, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.#partitions.clear();
    this.#toRewrite.clear();
    this.#bumpRequired = false;
  }

  /** Each turn of the sender: settles unresolved partitions and bumps the epoch if asked. */
  poll(): void {
    this.#resolveSequences();
    if (this.#bumpRequired && this.ready) {
      this.#bumpRequired = false;
      if (this.producerEpoch >= MAX_EPOCH) {
        this.producerId = -1n; // exhausted: InitProducerId gives a new id, then the rewrite
        this.producerEpoch = -1;
      } else {
        this.producerEpoch++;
        this.#rewrite();
      }
    }
  }

  /** Whether `batch`, the head of its partition's queue, may be drained now. */
  canDrain(batch: ProducerBatch): boolean {
    if (!this.ready) return false;
    const partition = this.#partitions.get(keyOf(batch));
    if (!batch.sequence) {
      // Not while batches of an older epoch are pending (the broker would refuse those), nor
      // while the partition is unresolved.
      return !partition || partition.unresolvedNextSequence === null &&
          !(partition.pending.length > 0 &&
            partition.isStale(this.producerId, this.producerEpoch));
    }
    // A retry, only as the lowest pending sequence: retries go in order, one at a time.
    const first = partition?.pending[0];
    return first === undefined || first === batch;
  }

  /**
   * The header a drained batch is sent with: its sequence, given on its first drain under the
   * partition's id and epoch (moved to the producer's first, if nothing is pending there), and
   * kept across retries.
   */
  headerFor(batch: ProducerBatch): BatchHeader {
    if (!batch.sequence) {
      const partition = this.#partition(keyOf(batch));
      if (
        partition.isStale(this.producerId, this.producerEpoch) && partition.pending.length === 0
      ) {
        partition.startAtBeginning(this.producerId, this.producerEpoch);
      }
      partition.assign(batch);
    }
    // Not copied: a batch's sequence is replaced, never changed in place.
    return batch.sequence!;
  }

  /** The parts of a split batch keep their sequences and replace it among the pending. */
  split(batch: ProducerBatch, parts: readonly ProducerBatch[]): void {
    const partition = this.#partitions.get(keyOf(batch));
    if (!partition || !batch.sequence) return;
    partition.remove(batch);
    for (const part of parts) partition.track(part);
  }

  /** The broker has the batch (its answer, or DUPLICATE_SEQUENCE_NUMBER with offset -1). */
  acknowledged(batch: ProducerBatch, baseOffset: bigint): void {
    if (batch.sequence) this.#partitions.get(keyOf(batch))?.acknowledged(batch, baseOffset);
  }

  /**
   * Whether a batch answered with a sequence error is retried, as the Java client decides
   * (`TransactionManager.canRetry`): UNKNOWN_PRODUCER_ID without a log start offset, or after a
   * renumbering, is retried as it is; with the log start past the last acknowledged offset the
   * broker deleted the producer's records, so the partition starts over (the idempotent producer
   * bumps its epoch there). OUT_OF_ORDER_SEQUENCE_NUMBER is retried as it is unless the batch is
   * the very next sequence (then a sequence is missing: the idempotent producer bumps the
   * partition's epoch). The transactional producer fails what it cannot retry (abortable). Other
   * codes: undefined.
   */
  retriesSequenceError(
    batch: ProducerBatch,
    code: number,
    logStartOffset: bigint,
  ): boolean | undefined {
    const key = keyOf(batch);
    const partition = this.#partition(key);
    if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
      if (logStartOffset === -1n || batch.sequenceReset) return true;
      if (partition.lastAckedOffset < logStartOffset) {
        if (this.transactional) {
          partition.startAtBeginning(this.producerId, this.producerEpoch);
        } else this.requestEpochBump(key);
        return true;
      }
      if (this.transactional) return false;
      this.requestEpochBump(key);
      return true;
    }
    if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      const unresolved = partition.unresolvedNextSequence;
      const base = batch.sequence!.baseSequence;
      if (unresolved === null && (batch.sequenceReset || !partition.isNextSequence(base))) {
        return true; // not the next batch: one before it failed, and this one follows it
      }
      if (this.transactional) return false;
      if (unresolved === null || unresolved === base) this.requestEpochBump(key);
      return true;
    }
    return undefined;
  }

  /**
   * A sent batch failed. `answered` is the broker's error code when the broker refused it (the
   * batch is not in the log), or null when its outcome is unknown (it expired after a send).
   * Java's `handleFailedBatch`: OUT_OF_ORDER_SEQUENCE_NUMBER bumps the idempotent producer's
   * epoch for the partition, UNKNOWN_PRODUCER_ID resets the partition's sequences, any other
   * refusal bumps the partition's epoch (idempotent) or closes the sequence gap (transactional);
   * an unknown outcome leaves the partition unresolved.
   */
  failed(batch: ProducerBatch, answered: number | null): void {
    if (!batch.sequence) return;
    const key = keyOf(batch);
    const partition = this.#partitions.get(key);
    if (!partition) return;
    partition.remove(batch);
    if (answered === null) {
      partition.markUnresolved(batch);
    } else if (answered === ErrorCode.UNKNOWN_PRODUCER_ID) {
      this.#partitions.delete(key);
    } else if (!this.transactional) {
      this.requestEpochBump(key);
    } else if (!partition.isStale(batch.sequence.producerId, batch.sequence.producerEpoch)) {
      partition.closeGap(batch);
    }
  }

  /**
   * A batch expired while its request is still on the wire: unresolved, and still pending until
   * its response (`lateOutcome`) or the connection's failure says what became of it.
   */
  expiredInFlight(batch: ProducerBatch): void {
    if (batch.sequence) this.#partitions.get(keyOf(batch))?.markUnresolved(batch);
  }

  /** The response (or failure) of a request whose batch had expired meanwhile. */
  lateOutcome(batch: ProducerBatch, baseOffset: bigint | null): void {
    if (!batch.sequence) return;
    const partition = this.#partitions.get(keyOf(batch));
    if (baseOffset === null) partition?.remove(batch);
    else partition?.acknowledged(batch, baseOffset);
  }

  /** The broker lost track of this partition's sequences: its next epoch starts them over. */
  requestEpochBump(key: string): void {
    this.#bumpRequired = true;
    this.#toRewrite.add(key);
  }

  /** Java's `maybeResolveSequences`: partitions whose expired batches settled. */
  #resolveSequences(): void {
    for (const [key, partition] of this.#partitions) {
      if (partition.unresolvedNextSequence === null || partition.pending.length > 0) continue;
      const written = partition.isNextSequence(partition.nextSequence);
      partition.unresolvedNextSequence = null;
      if (written) continue; // a later batch was acknowledged, so the expired ones are in the log
      if (!this.transactional) {
        this.requestEpochBump(key);
      } else {
        this.#onUnresolved(
          new KafkaEdgeError(
            `records sent to ${key.replace("\u0000", "-")} expired without an acknowledgement: ` +
              "whether they were written is unknown; abort the transaction",
          ),
        );
      }
    }
  }

  #rewrite(): void {
    for (const key of this.#toRewrite) {
      this.#partitions.get(key)?.startAtBeginning(this.producerId, this.producerEpoch);
    }
    this.#toRewrite.clear();
  }

  #partition(key: string): PartitionSequences {
    let partition = this.#partitions.get(key);
    if (!partition) this.#partitions.set(key, partition = new PartitionSequences());
    return partition;
  }
}

/** The partition a batch is for, as a map key. */
function keyOf(batch: ProducerBatch): string {
  return partitionKey(batch.topic, batch.partition);
}
