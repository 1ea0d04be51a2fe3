/**
 * Where the producer reports what happens: each report updates the metrics, builds an event only
 * when someone listens to it, and logs what a person running the producer would want to read
 * (connections, metadata, retries, failures). The sender and the network call this one object,
 * so their own code stays about sending.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import type { RequestOutcome } from "../client/connection.ts";
import type { MetadataObserver } from "../client/metadata_updater.ts";
import type { NetworkObserver } from "../client/network_client.ts";
import { Produce } from "../protocol/messages/produce.ts";
import type { Endpoint } from "../transport/transport.ts";
import type { BatchAcknowledgement } from "./accumulator.ts";
import { ProducerEvents } from "./events.ts";
import { ProducerMetrics } from "./metrics.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import { guardedLogger } from "./user_code.ts";

/** Metrics, events and logs of one producer. */
export class Instrumentation implements NetworkObserver, MetadataObserver {
  readonly metrics = new ProducerMetrics();
  readonly events: ProducerEvents;
  readonly logger: Logger;

  /** `logger` is the user's: it is guarded here, so it may throw. */
  constructor(logger: Logger) {
    this.logger = guardedLogger(logger);
    this.events = new ProducerEvents(this.logger);
  }

  connected(nodeId: number, endpoint: Endpoint): void {
    this.logger.info("connected to broker", { nodeId, host: endpoint.host, port: endpoint.port });
    if (this.events.wants("connect")) {
      this.events.emit("connect", { nodeId, host: endpoint.host, port: endpoint.port });
    }
  }

  connectFailed(nodeId: number, endpoint: Endpoint, error: Error): void {
    this.logger.warn("cannot connect to broker", {
      nodeId,
      host: endpoint.host,
      port: endpoint.port,
      error: error.message,
    });
    if (this.events.wants("error")) this.events.emit("error", { error, during: "connect" });
  }

  disconnected(nodeId: number, endpoint: Endpoint, error: Error, byClient: boolean): void {
    const fields = { nodeId, host: endpoint.host, port: endpoint.port, error: error.message };
    if (byClient) this.logger.debug("connection closed", fields);
    else this.logger.warn("connection to broker lost", fields);
    if (this.events.wants("disconnect")) {
      this.events.emit("disconnect", { nodeId, host: endpoint.host, port: endpoint.port, error });
    }
  }

  requestDone(nodeId: number, endpoint: Endpoint, outcome: RequestOutcome): void {
    const nowMs = Date.now();
    this.metrics.requestDone(outcome.requestBytes, outcome.responseBytes, nowMs);
    if (outcome.api.key === Produce.key && outcome.responseBytes > 0) {
      this.metrics.produceResponse(outcome.latencyMs, nowMs);
    }
    if (this.events.wants("request")) {
      this.events.emit("request", {
        nodeId,
        host: endpoint.host,
        port: endpoint.port,
        api: outcome.api.name,
        apiKey: outcome.api.key,
        apiVersion: outcome.version,
        requestBytes: outcome.requestBytes,
        responseBytes: outcome.responseBytes,
        startTimeMs: nowMs - outcome.latencyMs,
        latencyMs: outcome.latencyMs,
        error: outcome.error,
      });
    }
  }

  /** A batch goes into a Produce request as `encodedBytes` (what `batch.close()` returned). */
  batchSent(batch: ProducerBatch, encodedBytes: number, nowMs: number): void {
    // compression-rate-avg: encoded bytes over the batch's bytes before compression.
    this.metrics.batchSent(
      batch.recordCount,
      encodedBytes,
      batch.uncompressedSizeInBytes,
      nowMs - batch.createdMs,
      nowMs,
    );
  }

  produceRequestSent(recordCount: number, nowMs: number): void {
    this.metrics.produceRequestSent(recordCount, nowMs);
  }

  produceThrottled(throttleTimeMs: number, nowMs: number): void {
    this.metrics.produceThrottled(throttleTimeMs, nowMs);
  }

  retry(batch: ProducerBatch, error: Error, backoffMs: number, nowMs: number): void {
    this.metrics.retried(batch.recordCount, nowMs);
    const { topic, partition, recordCount, attempts } = batch;
    this.logger.warn("retrying batch", {
      topic,
      partition,
      recordCount,
      attempt: attempts,
      backoffMs: Math.round(backoffMs),
      error: error.message,
    });
    if (this.events.wants("retry")) {
      this.events.emit("retry", {
        topic,
        partition,
        recordCount,
        attempt: attempts,
        backoffMs,
        error,
      });
    }
  }

  /** A batch was acknowledged (`error` undefined) or failed for good. */
  batchDone(batch: ProducerBatch, error: Error | undefined, ack: BatchAcknowledgement): void {
    const { topic, partition, recordCount } = batch;
    if (error) {
      this.metrics.failed(recordCount, Date.now());
      this.logger.error("records failed", { topic, partition, recordCount, error: error.message });
      if (this.events.wants("error")) {
        this.events.emit("error", { error, during: "batch", topic, partition, recordCount });
      }
    }
    if (this.events.wants("batch")) {
      this.events.emit("batch", {
        topic,
        partition,
        recordCount,
        sizeBytes: batch.sizeInBytes,
        attempts: batch.attempts,
        baseOffset: ack.baseOffset,
        logAppendTimeMs: ack.logAppendTimeMs,
        logStartOffset: ack.logStartOffset,
        latencyMs: Date.now() - batch.createdMs,
        error,
      });
    }
  }

  metadataUpdated(brokerCount: number, topics: readonly string[]): void {
    this.logger.debug("metadata updated", { brokers: brokerCount, topics: topics.join(",") });
  }

  metadataFailed(error: Error): void {
    this.backgroundFailed("metadata", error);
  }

  /** Partitions moved to the leaders a Produce response named (KIP-951). */
  leadersMoved(partitions: number): void {
    this.logger.debug("leaders taken from a Produce response", { partitions });
  }

  rebootstrapped(reason: string): void {
    this.logger.warn("asking the bootstrap servers for metadata again", { reason });
  }

  /** A background request the producer needs (metadata, producer id) failed; it will retry. */
  backgroundFailed(during: "metadata" | "producerId", error: Error): void {
    this.logger.warn(`${during} request failed`, { error: error.message });
    if (this.events.wants("error")) this.events.emit("error", { error, during });
  }

  producerIdAssigned(producerId: bigint, epoch: number): void {
    this.logger.info("producer id assigned", { producerId, epoch });
  }

  /** A bug in the producer: everything buffered fails. */
  internalError(error: unknown): void {
    this.logger.error("internal error in the sender", { error: String(error) });
  }
}
