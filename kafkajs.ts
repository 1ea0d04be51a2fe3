/**
 * kafkajs's producer API on kafka-edge: a kafkajs producer works after changing only its import
 * (see docs/kafkajs.md for what differs). Consumers and admin clients are not included.
 *
 * @example
 * ```ts
 * import { CompressionTypes, Kafka, logLevel } from "@kafka-edge/producer/kafkajs";
 *
 * const kafka = new Kafka({ brokers: ["127.0.0.1:9092"], logLevel: logLevel.WARN });
 * const producer = kafka.producer({ idempotent: true });
 * await producer.connect();
 * const [result] = await producer.send({
 *   topic: "events",
 *   compression: CompressionTypes.GZIP,
 *   messages: [{ key: "user-1", value: "signed in", headers: { source: "web" } }],
 * });
 * console.log(result.partition, result.baseOffset); // e.g. 0 "41"
 * await producer.disconnect();
 * ```
 *
 * @module
 */

export { Kafka } from "./src/kafkajs/kafka.ts";
export type {
  KafkaConfig,
  KafkaJSTlsOptions,
  OauthbearerProviderResponse,
  SASLOptions,
} from "./src/kafkajs/client_config.ts";
export type { Producer, ProducerConfig, Sender, Transaction } from "./src/kafkajs/producer.ts";
export type {
  IHeaders,
  Message,
  Offsets,
  PartitionOffset,
  ProducerBatch,
  ProducerRecord,
  RecordMetadata,
  RetryOptions,
  TopicMessages,
  TopicOffsets,
} from "./src/kafkajs/types.ts";
export { CompressionCodecs, CompressionTypes } from "./src/kafkajs/compression.ts";
export {
  DefaultPartitioner,
  type ICustomPartitioner,
  LegacyPartitioner,
  type PartitionerArgs,
  Partitioners,
  type PartitionMetadata,
} from "./src/kafkajs/partitioners.ts";
export {
  type LogCreator,
  type LogEntry,
  type Logger,
  type LoggerEntryContent,
  type LogLevel,
  logLevel,
} from "./src/kafkajs/logger.ts";
export {
  type InstrumentationEvent,
  type ProducerEventListener,
  type ProducerEventName,
  type ProducerEventPayloads,
  ProducerEvents,
  type RemoveInstrumentationEventListener,
  type RequestPayload,
  type RequestQueueSizePayload,
  type RequestTimeoutPayload,
} from "./src/kafkajs/events.ts";
/** The base class of kafka-edge's errors, which every KafkaJS error here extends too. */
export { KafkaEdgeError } from "./mod.ts";
export {
  KafkaJSConnectionError,
  KafkaJSError,
  type KafkaJSErrorOptions,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSTimeout,
} from "./src/kafkajs/errors.ts";
