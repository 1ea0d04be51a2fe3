/**
 * A small admin helper: create topics and read cluster metadata. Enough for tests, demos and
 * scripts that need a topic before they produce (brokers with `auto.create.topics.enable=false`,
 * as many production clusters and the project's test broker are, do not create one on first use);
 * not a full admin client. docs/admin.md has more.
 *
 * @module
 */

import { KafkaBrokerError } from "./errors.ts";
import { connectAny, parseEndpoint } from "./network/bootstrap.ts";
import type { Connection } from "./network/connection.ts";
import { ErrorCode } from "./protocol/error_codes.ts";
import { CreateTopics } from "./protocol/messages/create_topics.ts";
import { Metadata, type MetadataResponse } from "./protocol/messages/metadata.ts";
import { detectTransport } from "./transport/detect.ts";
import type { Transport } from "./transport/transport.ts";
import { SOFTWARE_NAME, SOFTWARE_VERSION } from "./version.ts";

/** Settings of {@link KafkaAdmin.connect}. */
export interface AdminOptions {
  /** `host:port` of one or more brokers. */
  bootstrapServers: readonly string[];
  /** Sent with every request. Default "kafka-edge-admin". */
  clientId?: string;
  /** How long to wait for a response. Default 30000. */
  requestTimeoutMs?: number;
  /** Defaults to the current runtime's transport. */
  transport?: Transport;
}

/** A topic to create. */
export interface NewTopic {
  /** The topic's name. */
  name: string;
  /** Defaults to the broker's `num.partitions`. */
  numPartitions?: number;
  /** Defaults to the broker's `default.replication.factor`. */
  replicationFactor?: number;
  /** Topic configs, e.g. `{ "min.insync.replicas": "2" }`. */
  configs?: Record<string, string>;
}

/**
 * Admin operations over one broker connection (plaintext: no `ssl` or `sasl` yet). Close it when
 * done.
 *
 * @example Create a topic before producing to it
 * ```ts
 * import { KafkaAdmin } from "@kafka-edge/producer";
 *
 * const admin = await KafkaAdmin.connect({ bootstrapServers: ["127.0.0.1:9092"] });
 * try {
 *   await admin.createTopics([{ name: "events", numPartitions: 3 }], { ignoreExisting: true });
 * } finally {
 *   admin.close();
 * }
 * ```
 *
 * @example List the partitions of a topic and their leaders
 * ```ts
 * import { KafkaAdmin } from "@kafka-edge/producer";
 *
 * const admin = await KafkaAdmin.connect({ bootstrapServers: ["127.0.0.1:9092"] });
 * try {
 *   const { topics } = await admin.metadata(["events"]);
 *   for (const p of topics[0]?.partitions ?? []) console.log(p.partitionIndex, p.leaderId);
 * } finally {
 *   admin.close();
 * }
 * ```
 */
export class KafkaAdmin {
  readonly #connection: Connection;

  private constructor(connection: Connection) {
    this.#connection = connection;
  }

  /**
   * Connects to the first bootstrap broker that answers. Rejects with a `ConnectionError` when
   * none does.
   */
  static async connect(options: AdminOptions): Promise<KafkaAdmin> {
    const connection = await connectAny(
      options.transport ?? detectTransport(),
      options.bootstrapServers.map(parseEndpoint),
      {
        clientId: options.clientId ?? "kafka-edge-admin",
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
        maxResponseSize: 100 * 1024 * 1024,
        softwareName: SOFTWARE_NAME,
        softwareVersion: SOFTWARE_VERSION,
      },
    );
    return new KafkaAdmin(connection);
  }

  /**
   * Creates topics and waits until the controller has accepted them. Rejects with a
   * {@link KafkaBrokerError} for the first topic that failed (TOPIC_ALREADY_EXISTS included,
   * unless `ignoreExisting`).
   */
  async createTopics(
    topics: readonly NewTopic[],
    options: { timeoutMs?: number; ignoreExisting?: boolean } = {},
  ): Promise<void> {
    const response = await this.#connection.request(CreateTopics, {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        configs: t.configs ?? {},
      })),
      timeoutMs: options.timeoutMs ?? 30_000,
      validateOnly: false,
    });
    for (const result of response.topics) {
      if (result.errorCode === ErrorCode.NONE) continue;
      if (result.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && options.ignoreExisting) continue;
      throw new KafkaBrokerError(
        result.errorCode,
        `CreateTopics ${result.name}`,
        result.errorMessage,
      );
    }
  }

  /**
   * The brokers, and `topics` (all topics when omitted) with their partitions, leaders and
   * replicas. Never creates a topic.
   */
  metadata(topics: readonly string[] | null = null): Promise<MetadataResponse> {
    return this.#connection.request(Metadata, { topics, allowAutoTopicCreation: false });
  }

  /** Closes the connection. */
  close(): void {
    this.#connection.close();
  }
}
