/**
 * kafkajs's `Kafka` client: it makes producers. Consumers and admin clients are not part of
 * kafka-edge, and asking for one fails with {@link KafkaJSNotImplemented}.
 *
 * @module
 */

import { type ClientSettings, clientSettings, type KafkaConfig } from "./client_config.ts";
import { KafkaJSNotImplemented } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { FacadeProducer, type Producer, type ProducerConfig } from "./producer.ts";

/**
 * The client. `new Kafka(config)` validates the config (options kafka-edge does not have throw
 * {@link KafkaJSNotImplemented}); nothing connects before `producer.connect()`.
 *
 * @example Produce as with kafkajs
 * ```ts
 * import { Kafka } from "@kafka-edge/producer/kafkajs";
 *
 * const kafka = new Kafka({ clientId: "my-app", brokers: ["127.0.0.1:9092"] });
 * const producer = kafka.producer();
 * await producer.connect();
 * await producer.send({ topic: "events", messages: [{ key: "user-1", value: "signed in" }] });
 * await producer.disconnect();
 * ```
 */
export class Kafka {
  readonly #settings: ClientSettings;

  /** Throws for options kafka-edge has no equivalent of, naming them. */
  constructor(config: KafkaConfig) {
    this.#settings = clientSettings(config);
  }

  /** A producer with kafkajs's API. */
  producer(config?: ProducerConfig): Producer {
    return new FacadeProducer(this.#settings, config);
  }

  /** Not available: kafka-edge is a producer. Throws {@link KafkaJSNotImplemented}. */
  consumer(_config?: unknown): never {
    throw new KafkaJSNotImplemented(
      "kafka.consumer() is not available: kafka-edge is a producer; keep kafkajs (or another " +
        "client) for consuming",
    );
  }

  /** Not available. Throws {@link KafkaJSNotImplemented}; kafka-edge's `KafkaAdmin` creates topics. */
  admin(_config?: unknown): never {
    throw new KafkaJSNotImplemented(
      "kafka.admin() is not available: kafka-edge has KafkaAdmin (createTopics, metadata) in " +
        "@kafka-edge/producer",
    );
  }

  /** The client's logger. */
  logger(): Logger {
    return this.#settings.logger;
  }
}
