/**
 * The idempotent producer's state: its producer id and epoch from the broker, and per partition
 * the next sequence number. A batch gets its sequence the first time it is drained and keeps it
 * across retries, so the broker recognises a retry of a batch it already appended and answers
 * with the original offset instead of writing it twice.
 *
 * Retries keep per-partition order with up to 5 requests in flight: a batch that comes back
 * for a retry waits until every earlier batch of its partition has returned, then batches go out
 * again in sequence order. When the broker no longer knows the producer's sequence state
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_EPOCH), the epoch is
 * bumped (KIP-360): once nothing is in flight, InitProducerId with the current id and epoch
 * gives a new epoch, sequences restart at 0, and queued batches are re-stamped in order.
 *
 * @module
 */

import type { BatchHeader } from "../protocol/record_batch.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** Where the producer id stands. */
type State = "needs-id" | "requesting" | "ready" | "needs-bump";

/** Producer id, epoch and sequence numbers of an idempotent producer. */
export class Idempotence {
  producerId = -1n;
  producerEpoch = -1;
  #state: State = "needs-id";
  readonly #nextSequence = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  #inFlightTotal = 0;

  /** Whether batches may be drained now (an id is held and no epoch bump is pending). */
  get ready(): boolean {
    return this.#state === "ready";
  }

  /** Whether an InitProducerId request should be sent now. */
  get needsProducerId(): boolean {
    return this.#state === "needs-id" ||
      (this.#state === "needs-bump" && this.#inFlightTotal === 0);
  }

  /** The id and epoch to send with InitProducerId: the current ones when bumping (KIP-360). */
  initRequest(): { producerId: bigint; producerEpoch: number } {
    this.#state = "requesting";
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  /** A new id or epoch arrived: sequences start over. */
  initialized(producerId: bigint, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.#nextSequence.clear();
    this.#state = "ready";
  }

  /** InitProducerId failed retriably: ask again later. */
  initFailed(): void {
    this.#state = this.producerId < 0n ? "needs-id" : "needs-bump";
  }

  /** The broker lost track of this producer's sequences: bump the epoch once nothing is in flight. */
  requestEpochBump(): void {
    if (this.#state === "ready") this.#state = "needs-bump";
  }

  /**
   * Whether `batch` may be drained: a retry only once every earlier batch of its partition has
   * come back, so retries reach the broker in sequence order.
   */
  canDrain(batch: ProducerBatch): boolean {
    return batch.attempts === 0 || (this.#inFlight.get(key(batch)) ?? 0) === 0;
  }

  /**
   * The header a drained batch is sent with: its sequence, assigned on first send (or after an
   * epoch bump, in drain order) and kept across retries. Counts the batch as in flight.
   */
  headerFor(batch: ProducerBatch): BatchHeader {
    const partition = key(batch);
    const sealed = batch.header;
    let baseSequence: number;
    if (sealed?.producerEpoch === this.producerEpoch && sealed.producerId === this.producerId) {
      baseSequence = sealed.baseSequence!;
    } else {
      baseSequence = this.#nextSequence.get(partition) ?? 0;
      this.#nextSequence.set(partition, incrementSequence(baseSequence, batch.recordCount));
    }
    this.#inFlight.set(partition, (this.#inFlight.get(partition) ?? 0) + 1);
    this.#inFlightTotal++;
    return { producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence };
  }

  /** A drained batch came back (any outcome). */
  returned(batch: ProducerBatch): void {
    const partition = key(batch);
    this.#inFlight.set(partition, (this.#inFlight.get(partition) ?? 1) - 1);
    this.#inFlightTotal--;
  }
}

/** Sequences are non-negative int32 and wrap to 0 past the maximum, as in the Java client. */
function incrementSequence(sequence: number, increment: number): number {
  const max = 0x7fffffff;
  return sequence > max - increment ? increment - (max - sequence) - 1 : sequence + increment;
}

function key(batch: ProducerBatch): string {
  return `${batch.topic}\u0000${batch.partition}`;
}
