/**
 * What a caller hands to `send()` and what it gets back, and the conversion of a record's
 * key, value and headers to the bytes a batch stores.
 *
 * @module
 */

import { InvalidRecordError } from "../errors.ts";
import { type BatchData, estimateRecordSize, type RecordHeader } from "../protocol/record_batch.ts";
import { callSerializer } from "./user_code.ts";

/** A key, value or header value: text (sent as UTF-8) or raw bytes. */
export type RecordData = string | Uint8Array;

/** Record headers, as an object or as name/value pairs (which allow repeated names). */
export type RecordHeaders =
  | Readonly<Record<string, RecordData>>
  | readonly (readonly [string, RecordData])[];

/**
 * Turns a key or value of the caller's type into what a record stores, like the Java client's
 * `Serializer`. It is not called for a null (or missing) key or value, which stays null, so
 * tombstones work with any serializer.
 */
export type Serializer<T> = (data: T, topic: string) => RecordData | null;

/** A record to send: key and value are bytes or text, or any type the configured serializers take. */
export interface ProducerRecord<K = RecordData, V = RecordData> {
  /** The topic to write to. */
  topic: string;
  /** Picks the partition (murmur2, as the Java client) unless `partition` is set. Default null. */
  key?: K | null;
  /** The payload; null is a tombstone on compacted topics. */
  value: V | null;
  /** Header names and values, kept in order. */
  headers?: RecordHeaders;
  /** A partition of the caller's choosing; otherwise the partitioner picks one. */
  partition?: number;
  /** Milliseconds since the epoch (number, bigint or Date). Default: now. */
  timestamp?: number | bigint | Date;
}

/** Where a record was written. */
export interface RecordMetadata {
  /** The topic written to. */
  topic: string;
  /** The partition written to. */
  partition: number;
  /** The record's offset in its partition; -1n with acks 0. */
  offset: bigint;
  /** The record's timestamp, or the broker's append time for LogAppendTime topics. */
  timestamp: bigint;
}

/** A record checked and converted to what a batch stores (strings stay strings: see utf8.ts). */
export interface SerializedRecord {
  topic: string;
  partition: number | undefined;
  timestamp: number;
  key: BatchData;
  value: BatchData;
  headers: RecordHeader[];
  /**
   * Upper bound of the bytes the record takes in a batch, computed once here: the size checks
   * and the accumulator's batch layout read it.
   */
  size: number;
}

const encoder = new TextEncoder();
const NO_HEADERS: RecordHeader[] = [];
const MAX_TOPIC_LENGTH = 249;
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

function checkData(data: unknown, what: string): BatchData {
  if (data === null || data === undefined) return null;
  if (typeof data === "string" || data instanceof Uint8Array) return data;
  throw new InvalidRecordError(
    `${what} must be a string, a Uint8Array or null, got ${describe(data)}`,
  );
}

function serialize<T>(
  serializer: Serializer<T> | undefined,
  data: T | null | undefined,
  topic: string,
  what: "key" | "value",
): unknown {
  if (serializer === undefined || data === null || data === undefined) return data;
  return callSerializer(serializer, data, topic, what);
}

/** Bytes of a key or value (for callers that need bytes, such as a custom partitioner). */
export function dataBytes(data: BatchData): Uint8Array | null {
  return typeof data === "string" ? encoder.encode(data) : data;
}

function toHeaders(headers: RecordHeaders | undefined): RecordHeader[] {
  if (headers === undefined) return NO_HEADERS;
  if (typeof headers !== "object" || headers === null) {
    throw new InvalidRecordError(
      `headers must be an object or an array of [name, value] pairs, got ${describe(headers)}`,
    );
  }
  const pairs = Array.isArray(headers)
    ? headers as readonly (readonly [string, RecordData])[]
    : Object.entries(headers as Readonly<Record<string, RecordData>>);
  return pairs.map((pair): RecordHeader => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new InvalidRecordError(`headers: each item must be a [name, value] pair`);
    }
    const [name, value] = pair;
    if (typeof name !== "string") throw new InvalidRecordError("header names must be strings");
    return [encoder.encode(name), dataBytes(checkData(value, `header "${name}"`))];
  });
}

function toTimestamp(timestamp: ProducerRecord["timestamp"]): number {
  if (timestamp === undefined) return Date.now();
  const ms = timestamp instanceof Date
    ? timestamp.getTime()
    : typeof timestamp === "number" || typeof timestamp === "bigint"
    ? Number(timestamp)
    : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new InvalidRecordError(
      `timestamp must be a non-negative integer of ms (number, bigint or Date), got ${
        describe(timestamp)
      }`,
    );
  }
  return ms;
}

/** A value as an error message shows it. */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" && value !== null ? "an object" : String(value);
}

/**
 * Throws for a field a {@link ProducerRecord} does not have, e.g. kafkajs's `messages` (plain
 * JavaScript callers). A switch, not a Set: 5 ns a record instead of 13 (Deno, `deno bench`).
 */
function checkFields(record: object): void {
  for (const field in record) {
    switch (field) {
      case "topic":
      case "key":
      case "value":
      case "headers":
      case "partition":
      case "timestamp":
        continue;
    }
    const hint = field === "messages"
      ? " (kafkajs's send({ topic, messages }) is sendBatch() here, or one send() per record)"
      : "";
    throw new InvalidRecordError(
      `a record has no field "${field}"${hint}: its fields are topic, key, value, headers, ` +
        "partition, timestamp",
    );
  }
}

// Most producers send to one topic over and over: the last name found legal is not matched
// again. The regular expression took 26–63 ns per send() (Bun, Deno), 1.5% of Node's profile.
let lastLegalTopic: string | undefined;

/** Checks a topic name the way the broker would (legal characters, at most 249 of them). */
export function validateTopic(topic: unknown): asserts topic is string {
  if (typeof topic === "string" && topic === lastLegalTopic) return;
  if (
    typeof topic !== "string" || topic.length === 0 || topic.length > MAX_TOPIC_LENGTH ||
    topic === "." || topic === ".." || !LEGAL_TOPIC.test(topic)
  ) {
    throw new InvalidRecordError(
      `invalid topic ${JSON.stringify(topic)}: use 1 to 249 of [a-zA-Z0-9._-], not "." or ".."`,
    );
  }
  lastLegalTopic = topic;
}

/** The serializers of a producer's config; without one, keys (or values) must be RecordData. */
export interface Serializers<K, V> {
  keySerializer?: Serializer<K>;
  valueSerializer?: Serializer<V>;
}

/**
 * Converts a caller's record, throwing {@link InvalidRecordError} for anything malformed and
 * {@link SerializationError} when a serializer throws.
 */
export function serializeRecord<K, V>(
  record: ProducerRecord<K, V>,
  serializers: Serializers<K, V> = {},
): SerializedRecord {
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw new InvalidRecordError("a record must be an object with at least a topic and a value");
  }
  checkFields(record);
  validateTopic(record.topic);
  if (record.value === undefined) {
    throw new InvalidRecordError("a record needs a value (null for a tombstone)");
  }
  const partition = record.partition;
  if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
    throw new InvalidRecordError(
      `partition must be a non-negative integer, got ${describe(partition)}`,
    );
  }
  const key = checkData(
    serialize(serializers.keySerializer, record.key, record.topic, "key"),
    "key",
  );
  const value = checkData(
    serialize(serializers.valueSerializer, record.value, record.topic, "value"),
    "value",
  );
  const headers = toHeaders(record.headers);
  return {
    topic: record.topic,
    partition,
    timestamp: toTimestamp(record.timestamp),
    key,
    value,
    headers,
    size: estimateRecordSize(key, value, headers),
  };
}
