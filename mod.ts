/**
 * kafka-edge: an Apache Kafka producer for Deno, Bun, Node and the edge.
 *
 * @example Create a topic
 * ```ts
 * import { KafkaAdmin } from "@kafka-edge/producer";
 *
 * const admin = await KafkaAdmin.connect({ bootstrapServers: ["127.0.0.1:9092"] });
 * await admin.createTopics([{ name: "events", numPartitions: 3 }], { ignoreExisting: true });
 * admin.close();
 * ```
 *
 * @module
 */

export { type AdminOptions, KafkaAdmin, type NewTopic } from "./src/admin.ts";
export {
  ConfigError,
  ConnectionError,
  KafkaBrokerError,
  KafkaEdgeError,
  ProtocolError,
  TimeoutError,
  UnsupportedVersionError,
} from "./src/errors.ts";
export type {
  Endpoint,
  Transport,
  TransportConnection,
  TransportEvents,
} from "./src/transport/transport.ts";
