/**
 * The producer's core metrics, with the Java client's names and meanings (its `producer-metrics`
 * group). Everything is counted per batch or per request, never per record, so `send()` pays
 * nothing for it. Rates, averages and maxima are over Java's sample windows (see
 * windowed_stat.ts: 2 samples of 30 s); totals are since the producer started.
 *
 * @module
 */

import { WindowedStat } from "./windowed_stat.ts";

/** A snapshot of `KafkaProducer.metrics()`. NaN: nothing measured in the window yet. */
export interface ProducerMetricValues {
  /** Records sent to brokers per second (each attempt counts, as in Java). */
  "record-send-rate": number;
  /** Records sent to brokers since the start (each attempt counts). */
  "record-send-total": number;
  /** Records of retried batches per second. */
  "record-retry-rate": number;
  /** Records of retried batches since the start. */
  "record-retry-total": number;
  /** Records that failed for good per second. */
  "record-error-rate": number;
  /** Records that failed for good since the start. */
  "record-error-total": number;
  /** Average bytes per batch as sent (after compression). */
  "batch-size-avg": number;
  /** Largest batch sent, bytes. */
  "batch-size-max": number;
  /** Average of encoded ÷ uncompressed batch size (1 without compression). */
  "compression-rate-avg": number;
  /** Average records per Produce request. */
  "records-per-request-avg": number;
  /** Average ms from a batch's first record to its sending. */
  "record-queue-time-avg": number;
  /** Longest ms from a batch's first record to its sending. */
  "record-queue-time-max": number;
  /** Average Produce request latency, ms (acks 0 has no response, so none). */
  "request-latency-avg": number;
  /** Longest Produce request latency, ms. */
  "request-latency-max": number;
  /** Average throttle time the broker asked for in Produce responses, ms. */
  "produce-throttle-time-avg": number;
  /** Longest throttle time asked for, ms. */
  "produce-throttle-time-max": number;
  /** Requests of every kind (Produce, Metadata...) per second. */
  "request-rate": number;
  /** Requests of every kind since the start. */
  "request-total": number;
  /** Request bytes sent per second. */
  "outgoing-byte-rate": number;
  /** Request bytes sent since the start. */
  "outgoing-byte-total": number;
  /** Response bytes received per second. */
  "incoming-byte-rate": number;
  /** Response bytes received since the start. */
  "incoming-byte-total": number;
  /** Requests sent and not yet answered, now. */
  "requests-in-flight": number;
  /** Open broker connections, now. */
  "connection-count": number;
  /** `bufferMemory` not held by batches, now. */
  "buffer-available-bytes": number;
  /** `bufferMemory` itself. */
  "buffer-total-bytes": number;
  /** Fraction of the time `send()` callers spent waiting for buffer memory. */
  "bufferpool-wait-ratio": number;
  /** Total time spent waiting for buffer memory, ns. */
  "bufferpool-wait-time-ns-total": number;
}

/** Figures read at snapshot time rather than counted. */
export interface MetricGauges {
  bufferAvailableBytes: number;
  bufferTotalBytes: number;
  requestsInFlight: number;
  connectionCount: number;
}

/** Counters and windowed statistics, fed by the sender, the network and `send()`'s waits. */
export class ProducerMetrics {
  readonly #recordSend = new WindowedStat();
  readonly #recordRetry = new WindowedStat();
  readonly #recordError = new WindowedStat();
  readonly #batchSize = new WindowedStat();
  readonly #compressionRate = new WindowedStat();
  readonly #recordsPerRequest = new WindowedStat();
  readonly #queueTime = new WindowedStat();
  readonly #latency = new WindowedStat();
  readonly #throttle = new WindowedStat();
  readonly #requests = new WindowedStat();
  readonly #outgoing = new WindowedStat();
  readonly #incoming = new WindowedStat();
  readonly #bufferWaitNs = new WindowedStat();
  #recordSendTotal = 0;
  #recordRetryTotal = 0;
  #recordErrorTotal = 0;
  #requestTotal = 0;
  #outgoingTotal = 0;
  #incomingTotal = 0;
  #bufferWaitNsTotal = 0;

  /**
   * A batch goes into a Produce request. `encodedBytes` is what goes on the wire,
   * `uncompressedBytes` the records' size before compression: their ratio is
   * compression-rate-avg, so a compressing batch only has to report both sizes here.
   */
  batchSent(
    recordCount: number,
    encodedBytes: number,
    uncompressedBytes: number,
    queueTimeMs: number,
    nowMs: number,
  ): void {
    this.#recordSend.record(recordCount, nowMs);
    this.#recordSendTotal += recordCount;
    this.#batchSize.record(encodedBytes, nowMs);
    this.#compressionRate.record(encodedBytes / uncompressedBytes, nowMs);
    this.#queueTime.record(queueTimeMs, nowMs);
  }

  /** A Produce request with `recordCount` records went out. */
  produceRequestSent(recordCount: number, nowMs: number): void {
    this.#recordsPerRequest.record(recordCount, nowMs);
  }

  /** A Produce response arrived `latencyMs` after its request was written. */
  produceResponse(latencyMs: number, nowMs: number): void {
    this.#latency.record(latencyMs, nowMs);
  }

  /** A Produce response asked for `throttleTimeMs` of throttling (0: none). */
  produceThrottled(throttleTimeMs: number, nowMs: number): void {
    this.#throttle.record(throttleTimeMs, nowMs);
  }

  /** Any request finished (answered, failed, or sent without response). */
  requestDone(requestBytes: number, responseBytes: number, nowMs: number): void {
    this.#requests.record(1, nowMs);
    this.#requestTotal++;
    this.#outgoing.record(requestBytes, nowMs);
    this.#outgoingTotal += requestBytes;
    if (responseBytes > 0) {
      this.#incoming.record(responseBytes, nowMs);
      this.#incomingTotal += responseBytes;
    }
  }

  /** A batch will be retried. */
  retried(recordCount: number, nowMs: number): void {
    this.#recordRetry.record(recordCount, nowMs);
    this.#recordRetryTotal += recordCount;
  }

  /** A batch failed for good. */
  failed(recordCount: number, nowMs: number): void {
    this.#recordError.record(recordCount, nowMs);
    this.#recordErrorTotal += recordCount;
  }

  /** A `send()` waited `waitedNs` for buffer memory. */
  bufferWaited(waitedNs: number, nowMs: number): void {
    this.#bufferWaitNs.record(waitedNs, nowMs);
    this.#bufferWaitNsTotal += waitedNs;
  }

  /** Every metric as of `nowMs`. */
  snapshot(gauges: MetricGauges, nowMs: number): ProducerMetricValues {
    return {
      "record-send-rate": this.#recordSend.rate(nowMs),
      "record-send-total": this.#recordSendTotal,
      "record-retry-rate": this.#recordRetry.rate(nowMs),
      "record-retry-total": this.#recordRetryTotal,
      "record-error-rate": this.#recordError.rate(nowMs),
      "record-error-total": this.#recordErrorTotal,
      "batch-size-avg": this.#batchSize.avg(nowMs),
      "batch-size-max": this.#batchSize.max(nowMs),
      "compression-rate-avg": this.#compressionRate.avg(nowMs),
      "records-per-request-avg": this.#recordsPerRequest.avg(nowMs),
      "record-queue-time-avg": this.#queueTime.avg(nowMs),
      "record-queue-time-max": this.#queueTime.max(nowMs),
      "request-latency-avg": this.#latency.avg(nowMs),
      "request-latency-max": this.#latency.max(nowMs),
      "produce-throttle-time-avg": this.#throttle.avg(nowMs),
      "produce-throttle-time-max": this.#throttle.max(nowMs),
      "request-rate": this.#requests.rate(nowMs),
      "request-total": this.#requestTotal,
      "outgoing-byte-rate": this.#outgoing.rate(nowMs),
      "outgoing-byte-total": this.#outgoingTotal,
      "incoming-byte-rate": this.#incoming.rate(nowMs),
      "incoming-byte-total": this.#incomingTotal,
      "requests-in-flight": gauges.requestsInFlight,
      "connection-count": gauges.connectionCount,
      "buffer-available-bytes": gauges.bufferAvailableBytes,
      "buffer-total-bytes": gauges.bufferTotalBytes,
      // ns waited per second of wall time, over the window: the share of time spent waiting.
      "bufferpool-wait-ratio": this.#bufferWaitNs.rate(nowMs) / 1e9,
      "bufferpool-wait-time-ns-total": this.#bufferWaitNsTotal,
    };
  }
}
