/**
 * `KafkaProducer.sendBatch()`: sends every record of an iterable or async iterable, taking the
 * next record only once the previous one is in a batch, so a large or endless source is read as
 * fast as buffer memory allows and never held whole.
 *
 * @module
 */

import { Deferred } from "../async.ts";
import { KafkaEdgeError } from "../errors.ts";
import type { ProducerRecord, RecordMetadata } from "./record.ts";
import type { RecordSubmitter } from "./submitter.ts";

/**
 * Resolves with every record's metadata in input order, or rejects with {@link SendBatchError}
 * (some record failed, or `signal` stopped the reading) or with the iterable's own error, in
 * every case only after the records taken have settled.
 */
export async function sendAll<K, V>(
  producer: RecordSubmitter<K, V>,
  records: Iterable<ProducerRecord<K, V>> | AsyncIterable<ProducerRecord<K, V>>,
  signal: AbortSignal | undefined,
): Promise<RecordMetadata[]> {
  const deliveries: Promise<RecordMetadata>[] = [];
  let iterableError: unknown = null;
  try {
    for await (const record of records) {
      if (signal?.aborted) break;
      const accepted = new Deferred<boolean>();
      const delivery = producer.submit(record, signal, accepted);
      delivery.catch(() => {}); // looked at below, once every record has settled
      deliveries.push(delivery);
      await accepted.promise;
    }
  } catch (error) {
    iterableError = error;
  }
  const settled = await Promise.allSettled(deliveries);
  if (iterableError !== null) throw iterableError;
  const results = settled.map((r) => (r.status === "fulfilled" ? r.value : r.reason as Error));
  const failed = results.filter((r) => r instanceof Error).length;
  if (failed > 0 || signal?.aborted) {
    throw new SendBatchError(
      `${failed} of ${results.length} record(s) failed` +
        (signal?.aborted ? "; aborted before the end of the input" : ""),
      results,
    );
  }
  return results as RecordMetadata[];
}

/**
 * `sendBatch()` could not deliver every record. `results` has one entry per record taken from
 * the iterable, in order: its metadata, or the error it failed with.
 */
export class SendBatchError extends KafkaEdgeError {
  /** Per record taken from the input, in order: where it was written, or why it failed. */
  readonly results: readonly (RecordMetadata | Error)[];
  /** How many entries of `results` are errors. */
  readonly failedCount: number;

  /** `cause` becomes the first error in `results`. */
  constructor(message: string, results: readonly (RecordMetadata | Error)[]) {
    const firstError = results.find((r): r is Error => r instanceof Error);
    super(message, { cause: firstError });
    this.results = results;
    this.failedCount = results.filter((r) => r instanceof Error).length;
  }
}
