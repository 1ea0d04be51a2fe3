/**
 * kafkajs's producer on kafka-edge's core. kafkajs chooses acks, compression and the broker-side
 * timeout per `send()`, kafka-edge per producer: the facade keeps one core producer per distinct
 * combination, made on first use, all sharing the facade's partitioner, events and logger.
 * Partitions are chosen here, with kafkajs's partitioners, and handed to the core with each
 * record; `send()` resolves once every message of the call is acknowledged, with kafkajs's
 * result (one entry per topic partition written), or rejects with a kafkajs error.
 *
 * A `transactionalId` gives one more core producer, the transactional one, used by the
 * transaction objects; the producer's own `send()` stays outside transactions, as in kafkajs.
 *
 * @module
 */

import {
  AuthenticationError,
  type CompressionType,
  type ErrorEvent,
  KafkaProducer,
  type ProducerConfig as CoreProducerConfig,
  type ProducerRecord as CoreRecord,
  type RecordMetadata as CoreMetadata,
} from "../../mod.ts";
import { checkRetry, type ClientSettings } from "./client_config.ts";
import { compressionType } from "./compression.ts";
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  toKafkaJSError,
} from "./errors.ts";
import {
  ProducerEventEmitter,
  type ProducerEventListener,
  type ProducerEventName,
  ProducerEvents,
  type RemoveInstrumentationEventListener,
} from "./events.ts";
import { coreLogger, type Logger } from "./logger.ts";
import {
  DefaultPartitioner,
  type ICustomPartitioner,
  type PartitionerArgs,
  type PartitionMetadata,
} from "./partitioners.ts";
import { toCoreRecord } from "./messages.ts";
import type {
  Offsets,
  ProducerBatch,
  ProducerRecord,
  RecordMetadata,
  RetryOptions,
  TopicMessages,
} from "./types.ts";

/** `kafka.producer()`'s settings. */
export interface ProducerConfig {
  /** Makes the partitioner. Default: {@link DefaultPartitioner}. */
  createPartitioner?: ICustomPartitioner;
  /** Retries of this producer's calls; merged over the client's `retry`. */
  retry?: RetryOptions;
  /** Metadata is refreshed at least this often, ms. Default 300000. */
  metadataMaxAge?: number;
  /** Let the broker create missing topics (if it allows). Default true. */
  allowAutoTopicCreation?: boolean;
  /** Exactly-once writes per partition: needs acks -1. Default false. */
  idempotent?: boolean;
  /** Enables `transaction()`. */
  transactionalId?: string;
  /** How long the coordinator waits before aborting an idle transaction, ms. Default 60000. */
  transactionTimeout?: number;
  /** Produce requests in flight per broker. Default (kafkajs: no limit): 5. */
  maxInFlightRequests?: number;
}

/** What `send()` and `sendBatch()` have in common, for producers and transactions. */
export interface Sender {
  /** Sends messages to one topic; resolves once all are acknowledged. */
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  /** Sends messages to several topics; resolves once all are acknowledged. */
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
}

/** A transaction, from `producer.transaction()`. */
export interface Transaction extends Sender {
  /** Commits consumer offsets with the transaction (`offset`: the next one to read). */
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>;
  /** Delivers the transaction's messages and commits it. */
  commit(): Promise<void>;
  /** Aborts the transaction: read_committed consumers never see its messages. */
  abort(): Promise<void>;
  /** Whether the transaction can still be used (neither committed nor aborted). */
  isActive(): boolean;
}

/** kafkajs's producer. */
export interface Producer extends Sender {
  /** Connects to the cluster (waits for a first broker connection). */
  connect(): Promise<void>;
  /** Delivers what is pending and closes every connection. */
  disconnect(): Promise<void>;
  /** Whether the producer was made with `idempotent: true`. */
  isIdempotent(): boolean;
  /** The event names, for `on()`. */
  readonly events: typeof ProducerEvents;
  /** Listens to an event; returns the function that removes the listener. */
  on<E extends ProducerEventName>(
    eventName: E,
    listener: ProducerEventListener<E>,
  ): RemoveInstrumentationEventListener;
  /** Begins a transaction (the first call registers the transactionalId). */
  transaction(): Promise<Transaction>;
  /** The producer's logger. */
  logger(): Logger;
}

type Status = "disconnected" | "connecting" | "connected" | "disconnecting";

/** What the latest acknowledged batch of a partition said about it. */
interface PartitionState {
  logStartOffset: bigint;
  logAppendTime: boolean;
}

/** The per-send settings a core producer is made for. */
interface SendSettings {
  acks: 0 | 1 | -1;
  compression: CompressionType;
  timeout: number | undefined;
}

const ACKS = new Set([0, 1, -1]);
/** kafkajs's `retries` for an idempotent producer is unbounded; kafka-edge's largest. */
const MAX_RETRIES = 2 ** 31 - 1;

/** The {@link Producer} that `kafka.producer()` returns. */
export class FacadeProducer implements Producer {
  readonly events: typeof ProducerEvents = ProducerEvents;
  readonly #client: ClientSettings;
  readonly #config: ProducerConfig;
  readonly #retry: Required<Pick<RetryOptions, "retries" | "initialRetryTime" | "maxRetryTime">>;
  readonly #logger: Logger;
  readonly #emitter: ProducerEventEmitter;
  readonly #partition: (args: PartitionerArgs) => number;
  readonly #cores = new Map<string, KafkaProducer>();
  readonly #partitionStates = new Map<string, PartitionState>();
  #bootstrap: string[] = [];
  #status: Status = "disconnected";
  #transactional: KafkaProducer | null = null;
  #transactionsInitialized = false;
  #inTransaction = false;

  constructor(client: ClientSettings, config: ProducerConfig = {}) {
    checkRetry(config.retry, "retry");
    this.#client = client;
    this.#config = config;
    this.#logger = client.logger.namespace("Producer");
    const retry = { ...client.retry, ...config.retry };
    this.#retry = {
      retries: Math.min(retry.retries ?? (config.idempotent ? MAX_RETRIES : 5), MAX_RETRIES),
      initialRetryTime: retry.initialRetryTime ?? 300,
      maxRetryTime: retry.maxRetryTime ?? 30_000,
    };
    if (config.idempotent && this.#retry.retries < 1) {
      throw new KafkaJSNonRetriableError(
        "Idempotent producer must allow retries to protect against transient errors",
      );
    }
    this.#emitter = new ProducerEventEmitter(this.#logger, client.clientId);
    this.#partition = (config.createPartitioner ?? DefaultPartitioner)();
  }

  /** kafkajs's retry budget: the connection timeout and every backoff, for waits on the cluster. */
  get #retryBudgetMs(): number {
    let total = this.#client.connectionTimeout;
    let wait = this.#retry.initialRetryTime;
    for (let i = 0; i < Math.min(this.#retry.retries, 30); i++) {
      total += Math.min(wait, this.#retry.maxRetryTime);
      wait *= 2;
    }
    return Math.min(total, this.#retry.maxRetryTime + this.#client.connectionTimeout);
  }

  async connect(): Promise<void> {
    if (this.#status === "connected") return;
    this.#status = "connecting";
    try {
      const brokers = this.#client.brokers;
      this.#bootstrap = typeof brokers === "function" ? await brokers() : brokers;
      const core = this.#coreFor({ acks: -1, compression: "none", timeout: undefined });
      await this.#firstConnection(core);
    } catch (error) {
      this.#status = "disconnected";
      await this.#closeCores();
      throw toKafkaJSError(error);
    }
    this.#status = "connected";
    this.#emitter.emit(ProducerEvents.CONNECT, null);
  }

  /**
   * Resolves once `core` has a broker connection. Rejects when authentication fails, or when no
   * connection came within the retry budget (with the last connection error as the cause).
   */
  #firstConnection(core: KafkaProducer): Promise<void> {
    const budgetMs = this.#retryBudgetMs;
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      const done = (error?: Error) => {
        clearTimeout(timer);
        core.off("connect", connected);
        core.off("error", failed);
        if (error) reject(error);
        else resolve();
      };
      const connected = () => done();
      const failed = (event: ErrorEvent) => {
        if (event.during !== "connect") return;
        lastError = event.error;
        if (event.error instanceof AuthenticationError) done(toKafkaJSError(event.error));
      };
      const timer = setTimeout(() => {
        const error = new KafkaJSConnectionError(
          `Connection error: no broker of ${this.#bootstrap.join(", ")} could be reached ` +
            `within ${budgetMs} ms${lastError ? `: ${lastError.message}` : ""}`,
          { broker: this.#bootstrap[0], cause: lastError },
        );
        done(new KafkaJSNumberOfRetriesExceeded(error, { retryCount: this.#retry.retries }));
      }, budgetMs);
      core.on("connect", connected);
      core.on("error", failed);
    });
  }

  async disconnect(): Promise<void> {
    this.#status = "disconnecting";
    await this.#closeCores();
    this.#status = "disconnected";
    this.#emitter.emit(ProducerEvents.DISCONNECT, null);
  }

  async #closeCores(): Promise<void> {
    const cores = [...this.#cores.values()];
    if (this.#transactional) cores.push(this.#transactional);
    this.#cores.clear();
    this.#transactional = null;
    this.#transactionsInitialized = false;
    this.#inTransaction = false;
    await Promise.all(cores.map((core) => core.close()));
  }

  isIdempotent(): boolean {
    return this.#config.idempotent ?? false;
  }

  on<E extends ProducerEventName>(
    eventName: E,
    listener: ProducerEventListener<E>,
  ): RemoveInstrumentationEventListener {
    return this.#emitter.on(eventName, listener);
  }

  logger(): Logger {
    return this.#logger;
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const { topic, messages, acks, timeout, compression } = record ?? {};
    return this.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] });
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.#produce(batch, null);
  }

  async transaction(): Promise<Transaction> {
    const transactionalId = this.#config.transactionalId;
    if (!transactionalId) {
      throw new KafkaJSNonRetriableError(
        "Must provide transactional id for transactional producer",
      );
    }
    if (this.#inTransaction) {
      throw new KafkaJSNonRetriableError(
        "There is already an ongoing transaction for this producer. Please end the transaction " +
          "before beginning another.",
      );
    }
    this.#checkConnected();
    const core = this.#transactional ??= this.#makeCore(
      { acks: -1, compression: "none", timeout: undefined },
      { transactionalId, enableIdempotence: true, retries: MAX_RETRIES },
    );
    try {
      if (!this.#transactionsInitialized) {
        await core.initTransactions();
        this.#transactionsInitialized = true;
      }
      core.beginTransaction();
    } catch (error) {
      throw toKafkaJSError(error);
    }
    this.#inTransaction = true;
    let ended = false;
    const isActive = () => this.#inTransaction && !ended && this.#transactional === core;
    const end = async (commit: boolean) => {
      try {
        if (commit) await core.commitTransaction();
        else await core.abortTransaction();
      } catch (error) {
        throw toKafkaJSError(error);
      }
      ended = true;
      this.#inTransaction = false;
    };
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A): Promise<R> =>
        isActive() ? fn(...args) : Promise.reject(
          new KafkaJSNonRetriableError("Cannot continue to use transaction once ended"),
        );
    return {
      send: guard((record: ProducerRecord) =>
        this.#produce({
          acks: record?.acks,
          timeout: record?.timeout,
          compression: record?.compression,
          topicMessages: [{ topic: record?.topic, messages: record?.messages }],
        }, core)
      ),
      sendBatch: guard((batch: ProducerBatch) => this.#produce(batch, core)),
      sendOffsets: guard(
        async ({ consumerGroupId, topics }: Offsets & { consumerGroupId: string }) => {
          const offsets = topics.flatMap(({ topic, partitions }) =>
            partitions.map(({ partition, offset }) => ({
              topic,
              partition,
              offset: BigInt(offset),
            }))
          );
          try {
            await core.sendOffsetsToTransaction(offsets, consumerGroupId);
          } catch (error) {
            throw toKafkaJSError(error);
          }
        },
      ),
      commit: guard(() => end(true)),
      abort: guard(() => end(false)),
      isActive,
    };
  }

  #checkConnected(): void {
    if (this.#status === "disconnecting") {
      throw new KafkaJSNonRetriableError(
        "The producer is disconnecting; therefore, it can't safely accept messages anymore",
      );
    }
    if (this.#status !== "connected") throw new KafkaJSError("The producer is disconnected");
  }

  /** Validates a send as kafkajs does, then sends every message and gathers the results. */
  async #produce(
    batch: ProducerBatch,
    transactional: KafkaProducer | null,
  ): Promise<RecordMetadata[]> {
    const { acks = -1, timeout, compression, topicMessages = [] } = batch ?? {};
    const merged = mergeTopics(topicMessages);
    const idempotent = transactional !== null || (this.#config.idempotent ?? false);
    if (idempotent && acks !== -1) {
      throw new KafkaJSNonRetriableError(
        "Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees",
      );
    }
    if (!ACKS.has(acks)) {
      throw new KafkaJSNonRetriableError(`acks must be -1, 0 or 1, got ${acks}`);
    }
    this.#checkConnected();
    let core: KafkaProducer;
    try {
      const settings = {
        acks: acks as 0 | 1 | -1,
        compression: compressionType(compression),
        timeout,
      };
      if (transactional) {
        if (settings.compression !== "none" || timeout !== undefined) {
          throw new KafkaJSNotImplemented(
            "compression and timeout per send inside a transaction: kafka-edge's transactional " +
              "producer sends uncompressed, with the client's requestTimeout",
          );
        }
        core = transactional;
      } else {
        core = this.#coreFor(settings);
      }
    } catch (error) {
      throw toKafkaJSError(error);
    }
    const records: CoreRecord[] = [];
    try {
      for (const { topic, messages } of merged) {
        const partitionMetadata = await this.#partitionMetadata(core, topic);
        for (const message of messages) {
          const record = toCoreRecord(topic, message);
          record.partition = this.#partition({ topic, partitionMetadata, message });
          records.push(record);
        }
      }
    } catch (error) {
      throw toKafkaJSError(error);
    }
    const outcomes = await Promise.allSettled(records.map((record) => core.send(record)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw toKafkaJSError(failed.reason);
    if (acks === 0) return [];
    return this.#results(outcomes.map((o) => (o as PromiseFulfilledResult<CoreMetadata>).value));
  }

  async #partitionMetadata(core: KafkaProducer, topic: string): Promise<PartitionMetadata[]> {
    const partitions = await core.partitionsFor(topic);
    return partitions.map(({ partition, leader }) => ({
      partitionErrorCode: 0,
      partitionId: partition,
      leader,
      replicas: [],
      isr: [],
      offlineReplicas: [],
    }));
  }

  /** kafkajs's result: per topic (in send order) and partition, the first offset written. */
  #results(metas: CoreMetadata[]): RecordMetadata[] {
    const first = new Map<string, Map<number, CoreMetadata>>();
    for (const meta of metas) {
      let partitions = first.get(meta.topic);
      if (!partitions) first.set(meta.topic, partitions = new Map());
      const seen = partitions.get(meta.partition);
      if (!seen || meta.offset < seen.offset) partitions.set(meta.partition, meta);
    }
    const results: RecordMetadata[] = [];
    for (const [topicName, partitions] of first) {
      for (const [partition, meta] of [...partitions].sort(([a], [b]) => a - b)) {
        const state = this.#partitionStates.get(`${topicName}\u0000${partition}`);
        results.push({
          topicName,
          partition,
          errorCode: 0,
          baseOffset: String(meta.offset),
          logAppendTime: state?.logAppendTime ? String(meta.timestamp) : "-1",
          logStartOffset: String(state?.logStartOffset ?? -1n),
        });
      }
    }
    return results;
  }

  /** The core producer for these per-send settings, made on first use. */
  #coreFor(settings: SendSettings): KafkaProducer {
    const key = `${settings.acks}|${settings.compression}|${settings.timeout ?? ""}`;
    let core = this.#cores.get(key);
    if (!core) {
      core = this.#makeCore(settings, {
        enableIdempotence: this.#config.idempotent ?? false,
        retries: this.#retry.retries,
      });
      this.#cores.set(key, core);
    }
    return core;
  }

  #makeCore(settings: SendSettings, extra: Partial<CoreProducerConfig>): KafkaProducer {
    const client = this.#client;
    const config = this.#config;
    const core = new KafkaProducer({
      bootstrapServers: this.#bootstrap,
      clientId: client.clientId,
      acks: settings.acks,
      compressionType: settings.compression,
      // kafkajs sends each send() at once; what one send() appends goes out as one request.
      lingerMs: 0,
      requestTimeoutMs: settings.timeout ?? client.requestTimeout,
      socketConnectionSetupTimeoutMs: client.connectionTimeout,
      retryBackoffMs: this.#retry.initialRetryTime,
      retryBackoffMaxMs: this.#retry.maxRetryTime,
      maxBlockMs: this.#retryBudgetMs,
      maxInFlightRequestsPerConnection: config.maxInFlightRequests ?? undefined,
      allowAutoCreateTopics: config.allowAutoTopicCreation ?? true,
      metadataMaxAgeMs: config.metadataMaxAge ?? 300_000,
      transactionTimeoutMs: config.transactionTimeout ?? 60_000,
      ssl: client.ssl,
      sasl: client.sasl,
      logger: coreLogger(this.#logger),
      ...extra,
    });
    core.on("request", (event) => this.#emitter.request(event));
    core.on("disconnect", (event) => {
      if (this.#status !== "disconnecting") this.#emitter.connectionLost(event.host, event.port);
    });
    core.on("batch", (event) => {
      if (event.error) return;
      this.#partitionStates.set(`${event.topic}\u0000${event.partition}`, {
        logStartOffset: event.logStartOffset,
        logAppendTime: event.logAppendTimeMs >= 0n,
      });
    });
    return core;
  }
}

/** kafkajs's checks of `topicMessages`, and its merge of entries for the same topic. */
function mergeTopics(topicMessages: readonly TopicMessages[]): TopicMessages[] {
  if (topicMessages.some((entry) => !entry?.topic)) {
    throw new KafkaJSNonRetriableError("Invalid topic");
  }
  const merged = new Map<string, TopicMessages>();
  for (const { topic, messages } of topicMessages) {
    if (!Array.isArray(messages)) {
      throw new KafkaJSNonRetriableError(
        `Invalid messages array [${messages}] for topic "${topic}"`,
      );
    }
    const without = messages.find((message) => message?.value === undefined);
    if (without) {
      throw new KafkaJSNonRetriableError(
        `Invalid message without value for topic "${topic}": ${JSON.stringify(without)}`,
      );
    }
    const entry = merged.get(topic);
    if (entry) entry.messages = [...entry.messages, ...messages];
    else merged.set(topic, { topic, messages });
  }
  return [...merged.values()];
}
