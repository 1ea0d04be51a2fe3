/**
 * Producer configuration: the Java client's names in camelCase, with its defaults, validated by
 * one zod schema so that a bad value fails at construction with the field and the reason.
 *
 * @module
 */

import { z } from "zod";
import {
  clientSchema,
  int,
  parseConfig,
  type ResolvedSecurity,
  resolveSecurity,
} from "../client/config.ts";
import type { SaslConfig, SslConfig } from "../client/security/settings.ts";
import {
  COMPRESSION_LEVELS,
  COMPRESSION_TYPES,
  type CompressionType,
} from "../compression/codec.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { TransportName } from "../transport/detect.ts";
import type { Transport } from "../transport/transport.ts";
import type { CustomPartitioner } from "./partitioner.ts";
import type { RecordData, Serializer } from "./record.ts";

/** Which replicas must have a record before the broker acknowledges it. */
export type Acks = 0 | 1 | -1 | "all";

/**
 * Settings of a {@link KafkaProducer}. Only `bootstrapServers` is required. `K` and `V` are the
 * types of record keys and values that `keySerializer` and `valueSerializer` take.
 */
export interface ProducerConfig<K = RecordData, V = RecordData> {
  /** `host:port` of one or more brokers to learn the cluster from. */
  bootstrapServers: readonly string[];
  /** Sent with every request; shows up in broker logs and quotas. Default "kafka-edge". */
  clientId?: string;
  /** 0: no acknowledgement; 1: the leader's; -1 or "all": every in-sync replica's. Default "all". */
  acks?: Acks;
  /**
   * Bytes per partition batch before it is sent without waiting for `lingerMs`. Default 65536,
   * not Java's 16384: each batch and request has fixed costs (bookkeeping, a socket write, the
   * broker's handling) that weigh more in JavaScript runtimes: at full speed 16 KiB batches cost
   * more CPU per record on every runtime (the measurement is in docs/configuration.md).
   */
  batchSize?: number;
  /** How long a batch waits for more records before it is sent. Default 5. */
  lingerMs?: number;
  /** Bytes the producer may hold in buffered batches. Default 33554432 (32 MiB). */
  bufferMemory?: number;
  /** How long `send()` may wait for metadata or buffer space before it rejects. Default 60000. */
  maxBlockMs?: number;
  /** Largest request, and so largest record batch, the producer sends. Default 1048576. */
  maxRequestSize?: number;
  /** How long to wait for a broker's response before the request fails. Default 30000. */
  requestTimeoutMs?: number;
  /** Upper bound from `send()` to success or failure, retries included. Default 120000. */
  deliveryTimeoutMs?: number;
  /** How many times a failed batch is retried (within `deliveryTimeoutMs`). Default 2147483647. */
  retries?: number;
  /** First wait before a retry; doubles per attempt, with jitter. Default 100. */
  retryBackoffMs?: number;
  /** Longest wait before a retry. Default 1000. */
  retryBackoffMaxMs?: number;
  /** Produce requests sent to one broker before waiting for an answer. Default 5. */
  maxInFlightRequestsPerConnection?: number;
  /**
   * Retries never write a record twice and keep per-partition order. Needs `acks` all,
   * `maxInFlightRequestsPerConnection` ≤ 5 and `retries` > 0. Default: true, unless one of
   * those is set otherwise (as in the Java client); set explicitly, a conflict is an error.
   */
  enableIdempotence?: boolean;
  /** Makes the producer transactional (and idempotent); unique per producer instance's role. */
  transactionalId?: string;
  /** How long the broker waits before aborting an idle transaction. Default 60000. */
  transactionTimeoutMs?: number;
  /** Let the broker create a topic on first use, if it is configured to. Default true. */
  allowAutoCreateTopics?: boolean;
  /** Metadata is refreshed at least this often. Default 300000. */
  metadataMaxAgeMs?: number;
  /**
   * What to do when no known broker gives metadata (KIP-899): "rebootstrap" asks the
   * `bootstrapServers` again, once every broker of the last metadata is unreachable, after
   * `metadataRecoveryRebootstrapTriggerMs` without metadata, or when a broker asks for it
   * (REBOOTSTRAP_REQUIRED); "none" keeps asking the known brokers. Default "rebootstrap".
   */
  metadataRecoveryStrategy?: "none" | "rebootstrap";
  /**
   * With `metadataRecoveryStrategy` "rebootstrap": how long the producer may go without the
   * metadata it asks for before it rebootstraps. Default 300000.
   */
  metadataRecoveryRebootstrapTriggerMs?: number;
  /** First wait before reconnecting to a broker that failed. Default 50. */
  reconnectBackoffMs?: number;
  /** Longest wait before reconnecting. Default 1000. */
  reconnectBackoffMaxMs?: number;
  /** How long a connection attempt may take. Default 10000. */
  socketConnectionSetupTimeoutMs?: number;
  /** Chooses the partition of records without an explicit one. Default: murmur2 of the key, sticky without key. */
  partitioner?: CustomPartitioner;
  /** Spread keyed records like keyless ones (sticky), ignoring the key. Default false. */
  partitionerIgnoreKeys?: boolean;
  /**
   * Adaptive partitioning (KIP-794): the sticky partitioner sends fewer records without a key to
   * partitions whose leader keeps more batches waiting (a slow broker), instead of spreading
   * them uniformly. No effect with a custom `partitioner`. Default true.
   */
  partitionerAdaptivePartitioningEnable?: boolean;
  /**
   * With adaptive partitioning: a leader that had batches ready but could not take them for this
   * long has its partitions left out when the sticky partitioner draws a new one, until it takes
   * batches again. 0: never left out. Default 0.
   */
  partitionerAvailabilityTimeoutMs?: number;
  /** Turns each non-null key into a string or bytes. Default: keys must be strings or bytes. */
  keySerializer?: Serializer<K>;
  /** Turns each non-null value into a string or bytes. Default: values must be strings or bytes. */
  valueSerializer?: Serializer<V>;
  /**
   * Codec of the record batches: "none", "gzip", "snappy", "lz4" or "zstd". Default "none".
   * A codec this runtime cannot load fails the constructor with {@link ConfigError}.
   */
  compressionType?: CompressionType;
  /**
   * The codec's level: gzip 1–9 (default 6), lz4 1–17 (default 9), zstd -131072–22 (default 3);
   * snappy and none have none. Java's compression.gzip.level, .lz4.level and .zstd.level.
   */
  compressionLevel?: number;
  /** The runtime's sockets to use: a name, or a {@link Transport} of your own. Default: detected. */
  transport?: TransportName | Transport;
  /** Connect with TLS (Java's `security.protocol` SSL, or SASL_SSL with `sasl`). */
  ssl?: SslConfig;
  /** Authenticate every connection with SASL (SASL_PLAINTEXT, or SASL_SSL with `ssl`). */
  sasl?: SaslConfig;
  /**
   * Where the producer logs connections, metadata, retries and failures (`console` fits).
   * Default: silent.
   */
  logger?: Logger;
  /**
   * Client telemetry (KIP-714, Java's `enable.metrics.push`): when the cluster (Kafka 3.7+ with a
   * client-telemetry plugin) has a client-metrics subscription matching this producer, push the
   * metrics it asks for (as `metrics()` names them, prefixed `org.apache.kafka.producer.` with
   * dots for hyphens) to a broker at the interval it sets, in OTLP form, and once more on
   * `close()`. Without a matching subscription nothing is pushed. Default true.
   */
  enableMetricsPush?: boolean;
}

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

const schema = z.strictObject({
  ...clientSchema,
  clientId: z.string().default("kafka-edge"),
  acks: z.literal([0, 1, -1, "all"]).default("all").transform((a) => (a === "all" ? -1 : a)),
  batchSize: int(0).default(65536),
  lingerMs: int(0).default(5),
  bufferMemory: int(1024, Number.MAX_SAFE_INTEGER).default(32 * 1024 * 1024),
  maxBlockMs: int(0).default(60_000),
  maxRequestSize: int(128).default(1024 * 1024),
  requestTimeoutMs: int(0).default(30_000),
  deliveryTimeoutMs: int(0).optional(),
  retries: int(0).default(2 ** 31 - 1),
  retryBackoffMs: int(0).default(100),
  retryBackoffMaxMs: int(0).default(1000),
  maxInFlightRequestsPerConnection: int(1).default(5),
  enableIdempotence: z.boolean().optional(),
  transactionalId: z.string().min(1).optional(),
  transactionTimeoutMs: int(1).default(60_000),
  allowAutoCreateTopics: z.boolean().default(true),
  metadataMaxAgeMs: int(0).default(300_000),
  metadataRecoveryStrategy: z.enum(["none", "rebootstrap"]).default("rebootstrap"),
  metadataRecoveryRebootstrapTriggerMs: int(0, Number.MAX_SAFE_INTEGER).default(300_000),
  reconnectBackoffMs: int(0).default(50),
  reconnectBackoffMaxMs: int(0).default(1000),
  socketConnectionSetupTimeoutMs: int(1).default(10_000),
  partitioner: z.custom<CustomPartitioner>((v) => typeof v === "function", "expected a function")
    .optional(),
  partitionerIgnoreKeys: z.boolean().default(false),
  partitionerAdaptivePartitioningEnable: z.boolean().default(true),
  partitionerAvailabilityTimeoutMs: int(0).default(0),
  keySerializer: z.custom<Serializer<unknown>>(
    (v) => typeof v === "function",
    "expected a function",
  )
    .optional(),
  valueSerializer: z.custom<Serializer<unknown>>(
    (v) => typeof v === "function",
    "expected a function",
  )
    .optional(),
  compressionType: z.enum(COMPRESSION_TYPES).default("none"),
  compressionLevel: z.number().int().optional(),
  logger: z.custom<Logger>(
    (v) =>
      typeof v === "object" && v !== null &&
      LOG_LEVELS.every((level) => typeof Reflect.get(v, level) === "function"),
    "expected an object with debug, info, warn and error functions",
  ).optional(),
  enableMetricsPush: z.boolean().default(true),
});

/** Every setting's name, as the schema has them (docs/configuration.md is checked against it). */
export const PRODUCER_CONFIG_FIELDS: readonly string[] = Object.keys(schema.shape);

/** A validated configuration with every default filled in. */
export type ResolvedProducerConfig =
  & Omit<z.output<typeof schema>, "deliveryTimeoutMs" | "enableIdempotence" | "ssl" | "sasl">
  & ResolvedSecurity
  & {
    deliveryTimeoutMs: number;
    acks: 0 | 1 | -1;
    enableIdempotence: boolean;
  };

/** The settings idempotence needs, and what each must be. */
const IDEMPOTENCE_NEEDS = [
  ["acks", "must be all (-1)", (c: { acks: number }) => c.acks === -1],
  [
    "maxInFlightRequestsPerConnection",
    "must be at most 5",
    (c: { maxInFlightRequestsPerConnection: number }) => c.maxInFlightRequestsPerConnection <= 5,
  ],
  ["retries", "must be more than 0", (c: { retries: number }) => c.retries > 0],
] as const;

const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;

/** A level outside the codec's range, or for a codec without levels, is an error. */
function checkCompressionLevel(type: CompressionType, level: number | undefined): void {
  if (level === undefined) return;
  const range = COMPRESSION_LEVELS[type];
  if (!range) {
    throw new ConfigError(
      `invalid producer config: compressionLevel: compressionType ${type} has no levels`,
      { field: "compressionLevel" },
    );
  }
  // Java's gzip also takes -1, Deflater's (and zlib's) default level.
  const zlibDefault = type === "gzip" && level === -1;
  if (!zlibDefault && (level < range.min || level > range.max)) {
    throw new ConfigError(
      `invalid producer config: compressionLevel: ${type} levels are ${range.min} to ` +
        `${range.max}, not ${level}`,
      { field: "compressionLevel" },
    );
  }
}

/**
 * Validates a configuration. Throws {@link ConfigError} naming the first bad field, listing all
 * problems in the message.
 */
export function resolveProducerConfig(input: unknown): ResolvedProducerConfig {
  const config = parseConfig(schema, input, "producer");
  checkCompressionLevel(config.compressionType, config.compressionLevel);
  // As in the Java client: the delivery timeout must leave room for lingering and one request;
  // an explicit value that does not is an error, the default is raised to fit.
  const minDelivery = config.lingerMs + config.requestTimeoutMs;
  if (config.deliveryTimeoutMs !== undefined && config.deliveryTimeoutMs < minDelivery) {
    throw new ConfigError(
      `invalid producer config: deliveryTimeoutMs (${config.deliveryTimeoutMs}) must be at least ` +
        `lingerMs + requestTimeoutMs (${minDelivery})`,
      { field: "deliveryTimeoutMs" },
    );
  }
  const deliveryTimeoutMs = config.deliveryTimeoutMs ??
    Math.max(DEFAULT_DELIVERY_TIMEOUT_MS, minDelivery);
  const acks = config.acks as 0 | 1 | -1;
  const { ssl, sasl, ...rest } = config;
  const resolved = {
    ...rest,
    acks,
    deliveryTimeoutMs,
    ...resolveSecurity(ssl, sasl),
  };
  const conflict = IDEMPOTENCE_NEEDS.find(([, , holds]) => !holds(resolved));
  if (config.transactionalId !== undefined && config.enableIdempotence === false) {
    throw new ConfigError(
      "invalid producer config: a transactionalId needs enableIdempotence, which is false",
      { field: "enableIdempotence" },
    );
  }
  const idempotenceRequired = config.enableIdempotence === true ||
    config.transactionalId !== undefined;
  if (idempotenceRequired && conflict) {
    const [field, need] = conflict;
    throw new ConfigError(
      `invalid producer config: idempotence is on (enableIdempotence or transactionalId), so ` +
        `${field} ${need}`,
      { field },
    );
  }
  return {
    ...resolved,
    enableIdempotence: idempotenceRequired || (config.enableIdempotence ?? !conflict),
  };
}
