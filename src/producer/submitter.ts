/**
 * What `writable()` and `sendBatch()` need of the producer: `send()` that also says when the
 * record got into a batch, which is where their backpressure comes from.
 *
 * @module
 */

import type { Deferred } from "../async.ts";
import type { ProducerRecord, RecordData, RecordMetadata } from "./record.ts";

/** The producer, as streams and batch sends use it. */
export interface RecordSubmitter<K = RecordData, V = RecordData> {
  /**
   * Sends a record like `send()`; `accepted` is told true once it is appended to a batch, or
   * false if it failed before (the returned promise then rejects with why).
   */
  submit(
    record: ProducerRecord<K, V>,
    signal: AbortSignal | undefined,
    accepted: Deferred<boolean>,
  ): Promise<RecordMetadata>;
  /** Sends what is buffered now and waits for it. */
  flush(): Promise<void>;
}
