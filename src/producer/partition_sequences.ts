/**
 * One partition's sequence state, as the Java client keeps it per partition (TxnPartitionEntry):
 * the producer id and epoch its sequences belong to (which lag behind the producer's after an
 * epoch bump until nothing of theirs is pending), the next sequence to give out, the last
 * acknowledged sequence and offset, and the batches that have a sequence and no final outcome
 * yet (sent at least once: on the wire, or queued for a retry).
 *
 * @module
 */

import type { ProducerBatch } from "./producer_batch.ts";

/** No sequence acknowledged yet. */
const NO_SEQUENCE = -1;

/** The producer id, epoch and first sequence a batch is sent with, fixed when it is first drained. */
export interface BatchSequence {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

/** Sequences are non-negative int32 and wrap to 0 past the maximum, as in the Java client. */
function incrementSequence(sequence: number, increment: number): number {
  const max = 0x7fffffff;
  return sequence > max - increment ? increment - (max - sequence) - 1 : sequence + increment;
}

/** The sequence of a batch's last record. */
function lastSequenceOf(batch: ProducerBatch): number {
  return incrementSequence(batch.sequence!.baseSequence, batch.recordCount - 1);
}

/** The sequence state of one partition. */
export class PartitionSequences {
  producerId = -1n;
  producerEpoch = -1;
  nextSequence = 0;
  lastAckedSequence = NO_SEQUENCE;
  /** Offset of the last acknowledged record, -1n when none (tells a deleted log head apart). */
  lastAckedOffset = -1n;
  /** Batches with a sequence and no final outcome, in sequence order. */
  pending: ProducerBatch[] = [];
  /**
   * Set when a batch failed without a known outcome (it expired after being sent): the sequence
   * after it. No new batch gets a sequence here until the pending ones settle (`resolve`).
   */
  unresolvedNextSequence: number | null = null;

  /** Whether the partition's sequences belong to another producer id or epoch than `current`. */
  isStale(producerId: bigint, producerEpoch: number): boolean {
    return this.producerId !== producerId || this.producerEpoch !== producerEpoch;
  }

  /** Whether `sequence` directly follows the last acknowledged one. */
  isNextSequence(sequence: number): boolean {
    return sequence - this.lastAckedSequence === 1;
  }

  /** Gives `batch` the next sequence under the partition's id and epoch. */
  assign(batch: ProducerBatch): void {
    batch.sequence = {
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.nextSequence,
    };
    this.nextSequence = incrementSequence(this.nextSequence, batch.recordCount);
    this.pending.push(batch);
  }

  /** Adds a batch that has its sequence already (a part of a split batch), in sequence order. */
  track(batch: ProducerBatch): void {
    const sequence = batch.sequence!.baseSequence;
    let at = this.pending.length;
    while (at > 0 && this.pending[at - 1].sequence!.baseSequence > sequence) at--;
    this.pending.splice(at, 0, batch);
  }

  remove(batch: ProducerBatch): void {
    const at = this.pending.indexOf(batch);
    if (at >= 0) this.pending.splice(at, 1);
  }

  /** The broker has the batch: the acknowledged sequence and offset move on. */
  acknowledged(batch: ProducerBatch, baseOffset: bigint): void {
    this.remove(batch);
    const sequence = batch.sequence!;
    if (this.isStale(sequence.producerId, sequence.producerEpoch)) return;
    this.lastAckedSequence = Math.max(this.lastAckedSequence, lastSequenceOf(batch));
    if (baseOffset >= 0n) {
      const lastOffset = baseOffset + BigInt(batch.recordCount - 1);
      if (lastOffset > this.lastAckedOffset) this.lastAckedOffset = lastOffset;
    }
  }

  /**
   * Moves the partition to `producerId`/`producerEpoch` from sequence 0, renumbering the pending
   * batches in order (the broker lost their state, or none of them can be in the log).
   */
  startAtBeginning(producerId: bigint, producerEpoch: number): void {
    let sequence = 0;
    for (const batch of this.pending) {
      batch.sequence = { producerId, producerEpoch, baseSequence: sequence };
      batch.sequenceReset = true;
      sequence = incrementSequence(sequence, batch.recordCount);
    }
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.nextSequence = sequence;
    this.lastAckedSequence = NO_SEQUENCE;
    this.unresolvedNextSequence = null;
  }

  /**
   * A batch the broker refused for good (the transactional producer, which keeps its epoch):
   * the sequences after it move down, so that no gap is left.
   */
  closeGap(failed: ProducerBatch): void {
    const { baseSequence } = failed.sequence!;
    this.nextSequence -= failed.recordCount;
    for (const batch of this.pending) {
      const sequence = batch.sequence!;
      if (sequence.baseSequence > baseSequence) {
        batch.sequence = { ...sequence, baseSequence: sequence.baseSequence - failed.recordCount };
      }
    }
  }

  /** A sent batch expired: whether it is in the log is unknown until later batches settle. */
  markUnresolved(batch: ProducerBatch): void {
    const next = incrementSequence(lastSequenceOf(batch), 1);
    this.unresolvedNextSequence = Math.max(this.unresolvedNextSequence ?? next, next);
  }
}
