/**
 * A batch of records for one partition: its bytes in RecordBatch v2 layout, written straight
 * into a pooled buffer as records are appended, and the callbacks of every record's promise.
 *
 * @module
 */

import { Deferred } from "../async.ts";
import {
  type BatchHeader,
  RecordBatchWriter,
  type RecordHeader,
} from "../protocol/record_batch.ts";
import type { RecordMetadata } from "./record.ts";

type Resolve = (metadata: RecordMetadata) => void;
type Reject = (error: Error) => void;

/** One partition's batch, from its first record until the broker acknowledges it. */
export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly createdMs: number;
  /** The pooled buffer the records live in; returned to the pool when the batch is done. */
  readonly buffer: Uint8Array;
  /** Produce attempts so far. */
  attempts = 0;
  /** When the last attempt was sent. */
  lastAttemptMs = 0;
  /** Not to be sent again before this time (retry backoff). */
  retryNotBeforeMs = 0;
  #writer: RecordBatchWriter;
  #full = false;
  #bytes: Uint8Array | null = null;
  #done = false;
  readonly #settled = new Deferred<void>();
  readonly #resolves: Resolve[] = [];
  readonly #rejects: Reject[] = [];
  readonly #timestamps: number[] = [];

  constructor(topic: string, partition: number, buffer: Uint8Array, nowMs: number) {
    this.topic = topic;
    this.partition = partition;
    this.buffer = buffer;
    this.createdMs = nowMs;
    this.#writer = new RecordBatchWriter(buffer);
  }

  get recordCount(): number {
    return this.#writer.recordCount;
  }

  /** Bytes of the batch so far, header included. */
  get sizeInBytes(): number {
    return this.#writer.sizeInBytes;
  }

  /** No further record will fit (one did not), or the batch was closed for sending. */
  get isFull(): boolean {
    return this.#full || this.#bytes !== null;
  }

  /** Whether the batch was completed or failed. */
  get isDone(): boolean {
    return this.#done;
  }

  /** Resolves when the batch is completed or failed (never rejects). */
  get settled(): Promise<void> {
    return this.#settled.promise;
  }

  /** Appends a record and its promise's callbacks; false if it does not fit (nothing written). */
  tryAppend(
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    resolve: Resolve,
    reject: Reject,
  ): boolean {
    if (this.#bytes !== null || !this.#writer.tryAppend(timestamp, key, value, headers)) {
      this.#full = true;
      return false;
    }
    this.#resolves.push(resolve);
    this.#rejects.push(reject);
    this.#timestamps.push(timestamp);
    return true;
  }

  /**
   * The encoded batch. Closed on first call with `header`; later calls (retries) return the
   * same bytes, so a retried batch is byte-identical to its first attempt.
   */
  close(header: BatchHeader): Uint8Array {
    this.#bytes ??= this.#writer.close(header);
    return this.#bytes;
  }

  /**
   * Resolves every record's promise: offsets follow `baseOffset` (-1n when unknown, acks 0);
   * timestamps are the records' own unless the broker set a log append time.
   */
  complete(baseOffset: bigint, logAppendTimeMs: bigint): void {
    if (this.#done) return;
    this.#done = true;
    const { topic, partition } = this;
    const appendTime = logAppendTimeMs >= 0n ? logAppendTimeMs : null;
    for (let i = 0; i < this.#resolves.length; i++) {
      this.#resolves[i]({
        topic,
        partition,
        offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i),
        timestamp: appendTime ?? BigInt(this.#timestamps[i]),
      });
    }
    this.#settled.resolve();
  }

  /** Rejects every record's promise with `error`. */
  fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    for (const reject of this.#rejects) reject(error);
    this.#settled.resolve();
  }
}
