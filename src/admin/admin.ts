/**
 * A small admin helper: create topics and read cluster metadata. Enough for tests, demos and
 * scripts that need a topic before they produce (brokers with `auto.create.topics.enable=false`,
 * as many production clusters and the project's test broker are, do not create one on first use);
 * not a full admin client. docs/admin.md has more.
 *
 * @module
 */

import { connectAny, parseEndpoint } from "../client/bootstrap.ts";
import type { Connection } from "../client/connection.ts";
import { ErrorCode } from "../error_codes.ts";
import { KafkaBrokerError } from "../errors.ts";
import { CreateTopics } from "../protocol/messages/create_topics.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import { resolveTransport } from "../transport/detect.ts";
import { SOFTWARE_NAME, SOFTWARE_VERSION } from "../version.ts";
import { type AdminOptions, resolveAdminOptions } from "./config.ts";
import { type ClusterInfo, clusterInfo } from "./metadata.ts";

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
 * Admin operations over one broker connection (TLS and SASL as the producer's `ssl` and `sasl`).
 * Close it when done.
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
   * Connects to the first reachable bootstrap broker (with TLS and SASL when configured). Rejects
   * with {@link ConfigError} naming the field for invalid options, {@link AuthenticationError}
   * when the broker refuses the credentials or the TLS handshake fails, else
   * {@link ConnectionError}.
   */
  static async connect(options: AdminOptions): Promise<KafkaAdmin> {
    const config = resolveAdminOptions(options);
    const connection = await connectAny(
      resolveTransport(config.transport),
      config.bootstrapServers.map(parseEndpoint),
      {
        clientId: config.clientId,
        requestTimeoutMs: config.requestTimeoutMs,
        maxResponseSize: 100 * 1024 * 1024,
        softwareName: SOFTWARE_NAME,
        softwareVersion: SOFTWARE_VERSION,
        tls: config.tls?.options,
        sasl: config.sasl,
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
   * The brokers, and metadata for `topics` (all topics when omitted); never creates a topic. A
   * topic's own error (e.g. UNKNOWN_TOPIC_OR_PARTITION) is in its `errorCode`.
   */
  async metadata(topics: readonly string[] | null = null): Promise<ClusterInfo> {
    const response = await this.#connection.request(Metadata, {
      topics,
      allowAutoTopicCreation: false,
    });
    if (response.errorCode !== ErrorCode.NONE) {
      throw new KafkaBrokerError(response.errorCode, "Metadata");
    }
    return clusterInfo(response);
  }

  /** Closes the connection. */
  close(): void {
    this.#connection.close();
  }
}
