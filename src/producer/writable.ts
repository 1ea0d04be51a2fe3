/**
 * `KafkaProducer.writable(topic)`: a web-standard `WritableStream` of records. Each write
 * resolves once its record is appended to a batch, so the stream's backpressure follows the
 * producer's buffer memory; deliveries are tracked so that `close()` reports the first failure.
 *
 * @module
 */

import { Deferred } from "../async.ts";
import type { ProducerRecord, RecordData } from "./record.ts";
import type { RecordSubmitter } from "./submitter.ts";

/** A record written to a topic's stream: a {@link ProducerRecord} without its topic. */
export type WritableRecord<K = RecordData, V = RecordData> = Omit<ProducerRecord<K, V>, "topic">;

/** A stream that sends every chunk to `topic`. */
export function recordWritable<K, V>(
  producer: RecordSubmitter<K, V>,
  topic: string,
  highWaterMark: number,
): WritableStream<WritableRecord<K, V>> {
  // Aborting the stream takes back the record whose write is still waiting.
  const abortWaiting = new AbortController();
  let failure: Error | null = null;
  let outstanding = 0;
  let allSettled: Deferred<void> | null = null;
  let streamController: WritableStreamDefaultController;

  const settledOne = () => {
    if (--outstanding === 0) allSettled?.resolve();
  };
  const failed = (error: Error) => {
    if (failure === null) {
      failure = error;
      streamController.error(error);
    }
    settledOne();
  };

  return new WritableStream<WritableRecord<K, V>>({
    start(controller) {
      streamController = controller;
      // The controller's signal fires at abort() at once; the sink's abort() only runs after
      // the write in progress, which may be the one waiting.
      controller.signal?.addEventListener(
        "abort",
        () => abortWaiting.abort(controller.signal.reason),
      );
    },
    async write(chunk) {
      if (failure) throw failure;
      const accepted = new Deferred<boolean>();
      outstanding++;
      const delivery = producer.submit({ ...chunk, topic }, abortWaiting.signal, accepted);
      delivery.then(settledOne, failed);
      if (!await accepted.promise) await delivery; // rejects with why it was not appended
    },
    async close() {
      await producer.flush();
      if (outstanding > 0) {
        allSettled = new Deferred<void>();
        await allSettled.promise;
      }
      if (failure) throw failure;
    },
    abort(reason) {
      abortWaiting.abort(reason);
    },
  }, new CountQueuingStrategy({ highWaterMark }));
}
