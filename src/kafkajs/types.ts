/**
 * The shapes of kafkajs's producer API: messages, send requests, their results and offsets.
 *
 * @module
 */

import type { CompressionTypes } from "./compression.ts";

/** Header values: text, bytes, or several of them for a repeated header. */
export interface IHeaders {
  /** A header's value or values. */
  [key: string]: Uint8Array | string | (Uint8Array | string)[] | undefined;
}

/** A message to send. Keys and values are text (UTF-8), bytes (a Buffer) or null. */
export interface Message {
  /** Picks the partition (see the partitioners). */
  key?: Uint8Array | string | null;
  /** The payload; null is a tombstone. */
  value: Uint8Array | string | null;
  /** A partition of the caller's choosing. */
  partition?: number;
  /** Headers; an array value writes the header once per element. */
  headers?: IHeaders;
  /** Milliseconds since the epoch, as a string. Default: now. */
  timestamp?: string;
}

/** `send()`'s argument. */
export interface ProducerRecord {
  /** The topic. */
  topic: string;
  /** The messages, sent in this order. */
  messages: Message[];
  /** -1 (all in-sync replicas, the default), 1 (the leader) or 0 (no acknowledgement). */
  acks?: number;
  /** How long the broker may wait for the replicas, ms. Default: the client's requestTimeout. */
  timeout?: number;
  /** The codec of the batches. Default None. */
  compression?: CompressionTypes;
}

/** Messages for one topic, in `sendBatch()`. */
export interface TopicMessages {
  /** The topic. */
  topic: string;
  /** Its messages. */
  messages: Message[];
}

/** `sendBatch()`'s argument: `send()`'s, for several topics. */
export interface ProducerBatch {
  /** As in {@link ProducerRecord}. */
  acks?: number;
  /** As in {@link ProducerRecord}. */
  timeout?: number;
  /** As in {@link ProducerRecord}. */
  compression?: CompressionTypes;
  /** The messages per topic. */
  topicMessages?: TopicMessages[];
}

/** One entry of a send's result: one per topic partition written to. */
export interface RecordMetadata {
  /** The topic. */
  topicName: string;
  /** The partition. */
  partition: number;
  /** Always 0: failures reject the send instead. */
  errorCode: number;
  /** Offset of this send's first message in the partition. */
  baseOffset?: string;
  /** The broker's append time on LogAppendTime topics, else "-1". */
  logAppendTime?: string;
  /** The partition's first offset, as the broker answered. */
  logStartOffset?: string;
  /** Not set by kafkajs's producer either. */
  offset?: string;
  /** Not set by kafkajs's producer either. */
  timestamp?: string;
}

/** A partition's next offset to consume, as a string. */
export interface PartitionOffset {
  /** The partition. */
  partition: number;
  /** The next offset to consume. */
  offset: string;
}

/** Offsets of one topic. */
export interface TopicOffsets {
  /** The topic. */
  topic: string;
  /** Its partitions' offsets. */
  partitions: PartitionOffset[];
}

/** Offsets of several topics. */
export interface Offsets {
  /** The topics. */
  topics: TopicOffsets[];
}

/** kafkajs's retry settings. */
export interface RetryOptions {
  /** Longest wait between two tries, ms. Default 30000. */
  maxRetryTime?: number;
  /** First wait, ms. Default 300. */
  initialRetryTime?: number;
  /** Jitter: only kafkajs's 0.2 is supported. */
  factor?: number;
  /** Growth of the wait: only kafkajs's 2 is supported. */
  multiplier?: number;
  /** Retries per call. Default 5 (idempotent: as many as fit the delivery timeout). */
  retries?: number;
  /** Consumers only, in kafkajs too: a producer does not call it. */
  restartOnFailure?: (e: Error) => Promise<boolean>;
}
