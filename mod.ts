/**
 * kafka-edge: an Apache Kafka producer for Deno, Bun, Node and the edge.
 *
 * @example Produce a record
 * ```ts
 * import { KafkaProducer } from "@kafka-edge/producer";
 *
 * const producer = new KafkaProducer({ bootstrapServers: ["127.0.0.1:9092"], lingerMs: 5 });
 * const meta = await producer.send({ topic: "events", key: "user-1", value: "signed in" });
 * console.log(`written to partition ${meta.partition} at offset ${meta.offset}`);
 * await producer.close();
 * ```
 *
 * @module
 */

export { KafkaProducer, type PartitionInfo, type SendOptions } from "./src/producer/producer.ts";
export type { ProducerMetricValues } from "./src/producer/metrics.ts";
export type {
  BatchEvent,
  ConnectionEvent,
  ErrorEvent,
  ProducerEventListener,
  ProducerEventMap,
  RequestEvent,
  RetryEvent,
} from "./src/producer/events.ts";
export type { WritableRecord } from "./src/producer/writable.ts";
export type { LogFields, Logger } from "./src/logger.ts";
export type { TransactionOffset } from "./src/producer/transactions.ts";
export { SendBatchError } from "./src/producer/send_batch.ts";
export type {
  ProducerRecord,
  RecordData,
  RecordHeaders,
  RecordMetadata,
  Serializer,
} from "./src/producer/record.ts";
export type { Acks, ProducerConfig } from "./src/producer/config.ts";
export type { CompressionType } from "./src/compression/codec.ts";
export type {
  SaslConfig,
  SaslOAuthBearerConfig,
  SaslPasswordConfig,
  SslConfig,
} from "./src/client/security/settings.ts";
export type {
  OAuthBearerToken,
  OAuthBearerTokenProvider,
} from "./src/client/security/sasl_oauthbearer.ts";
export type { TransportName } from "./src/transport/detect.ts";
export type { CustomPartitioner } from "./src/producer/partitioner.ts";
export { KafkaAdmin, type NewTopic } from "./src/admin/admin.ts";
export type { AdminOptions } from "./src/admin/config.ts";
export type {
  BrokerMetadata,
  ClusterInfo,
  PartitionMetadata,
  TopicMetadata,
} from "./src/admin/metadata.ts";
export {
  AbortError,
  AuthenticationError,
  BufferExhaustedError,
  ConfigError,
  ConnectionError,
  InvalidRecordError,
  KafkaBrokerError,
  KafkaEdgeError,
  ProducerClosedError,
  ProducerFencedError,
  ProtocolError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
  TlsError,
  TransactionStateError,
  UnsupportedVersionError,
} from "./src/errors.ts";
export type {
  Endpoint,
  TlsOptions,
  Transport,
  TransportConnection,
  TransportEvents,
} from "./src/transport/transport.ts";
