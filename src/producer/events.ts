/**
 * The producer's events, for tracing and metrics systems such as OpenTelemetry: connections,
 * every request with its latency and size, every batch with its outcome, retries and failures.
 * Listeners are called synchronously from the producer's own code, so they should be quick; an
 * event nobody listens to is never built.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import { callListener } from "./user_code.ts";

/** A connection to a broker opened (`connect`) or closed (`disconnect`). */
export interface ConnectionEvent {
  /** The broker's node id; negative for a bootstrap address not yet known by id. */
  nodeId: number;
  /** The broker's host. */
  host: string;
  /** The broker's port. */
  port: number;
  /** Why it closed (`disconnect` only); a close by this producer says so in its message. */
  error?: Error;
}

/** A request to a broker completed, failed, or (acks 0 Produce) was handed to the socket. */
export interface RequestEvent {
  /** The broker's node id; negative for a bootstrap address. */
  nodeId: number;
  /** The broker's host. */
  host: string;
  /** The broker's port. */
  port: number;
  /** Kafka's name of the API, e.g. "Produce", "Metadata". */
  api: string;
  /** Kafka's number of the API, e.g. 0 for Produce. */
  apiKey: number;
  /** The version of the API spoken. */
  apiVersion: number;
  /** Bytes of the request frame, size prefix included. */
  requestBytes: number;
  /** Bytes of the response frame, size prefix included; 0 when there was none. */
  responseBytes: number;
  /** When the request was written, ms since the epoch (a span's start time). */
  startTimeMs: number;
  /** From writing the request to reading the whole response. */
  latencyMs: number;
  /** Set when the request failed (timeout, lost connection...): no response. */
  error?: Error;
}

/** A batch finished: acknowledged by the broker, or failed for good. */
export interface BatchEvent {
  /** The batch's topic. */
  topic: string;
  /** The batch's partition. */
  partition: number;
  /** Records in the batch. */
  recordCount: number;
  /** Bytes of the batch before compression, header included. */
  sizeBytes: number;
  /** Produce requests that carried it. */
  attempts: number;
  /** Offset of its first record; -1n when unknown (acks 0) or failed. */
  baseOffset: bigint;
  /** The broker's append time on LogAppendTime topics; -1n otherwise, or when unknown. */
  logAppendTimeMs: bigint;
  /** The partition's first offset as the broker answered (Produce v5+); -1n when unknown. */
  logStartOffset: bigint;
  /** From the batch's first record to this outcome. */
  latencyMs: number;
  /** Why it failed; absent when acknowledged. */
  error?: Error;
}

/** A batch failed with a retriable error and goes back into its queue. */
export interface RetryEvent {
  /** The batch's topic. */
  topic: string;
  /** The batch's partition. */
  partition: number;
  /** Records in the batch. */
  recordCount: number;
  /** Attempts so far (1 after the first failure). */
  attempt: number;
  /** Wait before it may go again. */
  backoffMs: number;
  /** What went wrong this time. */
  error: Error;
}

/**
 * Something failed: a batch's records, for good (also told by its `batch` event); a request the
 * producer needs for itself (metadata, producer id), which it tries again after a backoff; or a
 * connection attempt (tried again, unless authentication failed: then every send fails).
 */
export interface ErrorEvent {
  /** What went wrong. */
  error: Error;
  /** What failed: "batch", "metadata", "producerId" or "connect". */
  during: "batch" | "metadata" | "producerId" | "connect";
  /** The batch's topic (`during: "batch"` only). */
  topic?: string;
  /** The batch's partition (`during: "batch"` only). */
  partition?: number;
  /** Records in the batch (`during: "batch"` only). */
  recordCount?: number;
}

/** Every event `KafkaProducer.on` accepts, with the type of its payload. */
export interface ProducerEventMap {
  /** A connection to a broker opened. */
  connect: ConnectionEvent;
  /** A connection to a broker closed or was lost. */
  disconnect: ConnectionEvent;
  /** A request completed or failed. */
  request: RequestEvent;
  /** A batch was acknowledged or failed for good. */
  batch: BatchEvent;
  /** A batch is retried. */
  retry: RetryEvent;
  /** Records failed for good, or a background request failed. */
  error: ErrorEvent;
}

/** A listener of one event. */
export type ProducerEventListener<E extends keyof ProducerEventMap> = (
  event: ProducerEventMap[E],
) => void;

type ListenerLists = { [E in keyof ProducerEventMap]?: ProducerEventListener<E>[] };

/** Listeners by event, and the one place events are delivered. */
export class ProducerEvents {
  readonly #listeners: ListenerLists = {};
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Whether anyone listens to `event`: callers check before building the payload. */
  wants(event: keyof ProducerEventMap): boolean {
    return this.#listeners[event] !== undefined;
  }

  on<E extends keyof ProducerEventMap>(event: E, listener: ProducerEventListener<E>): void {
    const lists = this.#listeners as Record<E, ProducerEventListener<E>[] | undefined>;
    (lists[event] ??= []).push(listener);
  }

  off<E extends keyof ProducerEventMap>(event: E, listener: ProducerEventListener<E>): void {
    const lists = this.#listeners as Record<E, ProducerEventListener<E>[] | undefined>;
    const remaining = lists[event]?.filter((l) => l !== listener) ?? [];
    lists[event] = remaining.length > 0 ? remaining : undefined;
  }

  /** Calls each listener; one that throws is logged, never allowed to break the producer. */
  emit<E extends keyof ProducerEventMap>(event: E, payload: ProducerEventMap[E]): void {
    const lists = this.#listeners as Record<E, ProducerEventListener<E>[] | undefined>;
    for (const listener of lists[event] ?? []) callListener(listener, payload, event, this.#logger);
  }
}
