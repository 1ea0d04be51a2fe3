/**
 * Transactions: the calls of a producer with a `transactionalId` and their conversation with the
 * transaction coordinator (FindCoordinator, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit, EndTxn).
 *
 * This speaks the transaction protocol of Kafka 2.x/3.x (partitions are added to a transaction
 * explicitly before their first batch goes out, Produce up to v11), which Kafka 4 brokers still
 * accept; the v2 protocol of KIP-890 (implicit partitions, Produce v12, an epoch bump per
 * transaction) is not used.
 *
 * @module
 */

import {
  KafkaBrokerError,
  KafkaEdgeError,
  ProducerFencedError,
  TimeoutError,
  TransactionStateError,
} from "../errors.ts";
import type { Connection } from "../client/connection.ts";
import { ErrorCode } from "../error_codes.ts";
import type { NetworkClient } from "../client/network_client.ts";
import type { Api } from "../protocol/api.ts";
import { AddOffsetsToTxn } from "../protocol/messages/add_offsets_to_txn.ts";
import { AddPartitionsToTxn } from "../protocol/messages/add_partitions_to_txn.ts";
import { EndTxn } from "../protocol/messages/end_txn.ts";
import { CoordinatorKeyType, FindCoordinator } from "../protocol/messages/find_coordinator.ts";
import { InitProducerId } from "../protocol/messages/init_producer_id.ts";
import { TxnOffsetCommit } from "../protocol/messages/txn_offset_commit.ts";
import type { Endpoint } from "../transport/transport.ts";
import type { ClusterMetadata } from "../client/cluster_metadata.ts";
import type { Idempotence } from "./idempotence.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** Offsets to commit with a transaction: the next offset to consume, per topic partition. */
export interface TransactionOffset {
  /** The consumed topic. */
  topic: string;
  /** The consumed partition. */
  partition: number;
  /** The next offset to consume (the last processed one plus 1). */
  offset: bigint;
  /** Free text stored with the offset. Default null. */
  metadata?: string | null;
}

type State = "uninitialized" | "ready" | "in-transaction" | "ending" | "fenced";

/** Settings of {@link Transactions}. */
export interface TransactionsOptions {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** Bound on each transactional call (the Java client's max.block.ms). */
  maxBlockMs: number;
  retryBackoffMs: number;
}

/** Coordinator errors after which the coordinator must be looked up again. */
const COORDINATOR_MOVED = new Set<number>([
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
]);
/** Errors that go away by waiting. */
const TRY_AGAIN = new Set<number>([
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.CONCURRENT_TRANSACTIONS,
]);
/** This producer's epoch is not the coordinator's (nor the partition leader's) any more. */
export const FENCED = new Set<number>([
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.PRODUCER_FENCED,
]);

/** The transactional state machine of one producer. */
export class Transactions {
  readonly #options: TransactionsOptions;
  readonly #network: NetworkClient;
  readonly #metadata: ClusterMetadata;
  readonly #idempotence: Idempotence;
  readonly #wake: () => void;
  readonly #failQueued: (topic: string, partition: number, error: Error) => void;
  #state: State = "uninitialized";
  #fencedError: ProducerFencedError | null = null;
  #coordinator: { nodeId: number; endpoint: Endpoint } | null = null;
  /** Partitions the coordinator knows are in the current transaction. */
  readonly #added = new Set<string>();
  /** Partitions with batches waiting to be added. */
  readonly #pending = new Map<string, { topic: string; partition: number }>();
  #adding = false;
  /** The first batch failure in the current transaction: commit is then refused. */
  #batchError: Error | null = null;
  /** Whether the coordinator knows of the current transaction (partitions or offsets added). */
  #started = false;

  constructor(
    options: TransactionsOptions,
    network: NetworkClient,
    metadata: ClusterMetadata,
    idempotence: Idempotence,
    wake: () => void,
    failQueued: (topic: string, partition: number, error: Error) => void,
  ) {
    this.#failQueued = failQueued;
    this.#options = options;
    this.#network = network;
    this.#metadata = metadata;
    this.#idempotence = idempotence;
    this.#wake = wake;
  }

  get transactionalId(): string {
    return this.#options.transactionalId;
  }

  /** Registers the transactional id with its coordinator, fencing older instances. */
  async init(): Promise<void> {
    this.#expect("initTransactions", "uninitialized");
    const response = await this.#coordinatorRequest(
      InitProducerId,
      () => ({
        transactionalId: this.#options.transactionalId,
        transactionTimeoutMs: this.#options.transactionTimeoutMs,
        producerId: -1n,
        producerEpoch: -1,
      }),
      (r) => r.errorCode,
    );
    this.#idempotence.initialized(response.producerId, response.producerEpoch);
    this.#state = "ready";
    this.#wake();
  }

  begin(): void {
    this.#expect("beginTransaction", "ready");
    this.#added.clear();
    this.#pending.clear();
    this.#batchError = null;
    this.#started = false;
    this.#state = "in-transaction";
  }

  /** Throws unless a record may be sent now (inside a transaction). */
  checkCanSend(): void {
    this.#expect("send", "in-transaction");
  }

  /** Whether a batch's partition is in the transaction; if not, it is queued for adding. */
  canDrain(batch: ProducerBatch): boolean {
    const key = `${batch.topic}\u0000${batch.partition}`;
    if (this.#added.has(key)) return true;
    this.#pending.set(key, { topic: batch.topic, partition: batch.partition });
    return false;
  }

  /** Adds pending partitions to the transaction, one request at a time; wakes the sender after. */
  maybeAddPartitions(): void {
    const open = this.#state === "in-transaction" || this.#state === "ending";
    if (this.#adding || this.#pending.size === 0 || !open) return;
    this.#adding = true;
    const adding = [...this.#pending];
    const topics = new Map<string, number[]>();
    for (const [, { topic, partition }] of adding) {
      let list = topics.get(topic);
      if (!list) topics.set(topic, list = []);
      list.push(partition);
    }
    this.#coordinatorRequest(
      AddPartitionsToTxn,
      () => ({
        transactionalId: this.#options.transactionalId,
        producerId: this.#idempotence.producerId,
        producerEpoch: this.#idempotence.producerEpoch,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      }),
      (r) => firstError(r.results.flatMap((t) => t.partitions.map((p) => p.errorCode))),
    ).then(
      () => {
        this.#started = true;
        for (const [key] of adding) {
          this.#pending.delete(key);
          this.#added.add(key);
        }
      },
      (error) => {
        // The records of partitions that could not join the transaction cannot be sent in it.
        for (const [key, { topic, partition }] of adding) {
          this.#pending.delete(key);
          this.#failQueued(topic, partition, error);
        }
        this.batchFailed(error);
      },
    ).finally(() => {
      this.#adding = false;
      this.#wake();
    });
  }

  /** Remembers that a record of the transaction failed: the transaction can only be aborted. */
  batchFailed(error: Error): void {
    this.#batchError ??= error;
    if (error instanceof ProducerFencedError) this.fence(error);
  }

  /** The coordinator knows a newer epoch: nothing more can be done with this producer. */
  fence(error: ProducerFencedError): void {
    this.#fencedError ??= error;
    this.#state = "fenced";
  }

  /** Commits offsets of consumed records with the transaction (exactly-once processing). */
  async sendOffsets(offsets: readonly TransactionOffset[], groupId: string): Promise<void> {
    this.#expect("sendOffsetsToTransaction", "in-transaction");
    await this.#coordinatorRequest(
      AddOffsetsToTxn,
      () => ({
        transactionalId: this.#options.transactionalId,
        producerId: this.#idempotence.producerId,
        producerEpoch: this.#idempotence.producerEpoch,
        groupId,
      }),
      (r) => r.errorCode,
    );
    this.#started = true;
    const byTopic = new Map<string, TransactionOffset[]>();
    for (const offset of offsets) {
      let list = byTopic.get(offset.topic);
      if (!list) byTopic.set(offset.topic, list = []);
      list.push(offset);
    }
    await this.#coordinatorRequest(
      TxnOffsetCommit,
      () => ({
        transactionalId: this.#options.transactionalId,
        groupId,
        producerId: this.#idempotence.producerId,
        producerEpoch: this.#idempotence.producerEpoch,
        generationId: -1,
        memberId: "",
        groupInstanceId: null,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map((o) => ({
            partitionIndex: o.partition,
            committedOffset: o.offset,
            committedLeaderEpoch: -1,
            committedMetadata: o.metadata ?? null,
          })),
        })),
      }),
      (r) => firstError(r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))),
      { keyType: CoordinatorKeyType.GROUP, key: groupId },
      // v5+ belongs to transaction protocol v2 (offsets added implicitly): not used here.
      4,
    );
  }

  /**
   * Ends the transaction. `flush` first delivers every record sent in it; a commit is refused
   * (and the transaction must be aborted) if any of them failed.
   */
  async end(commit: boolean, flush: () => Promise<void>): Promise<void> {
    this.#expect(commit ? "commitTransaction" : "abortTransaction", "in-transaction");
    this.#state = "ending";
    try {
      await flush();
      if (commit && this.#batchError) {
        throw new TransactionStateError(
          "a record of this transaction failed: abort it (abortTransaction) and try again",
          { cause: this.#batchError },
        );
      }
      // The coordinator never heard of an empty transaction: there is nothing to end.
      if (this.#started) await this.#endTxn(commit);
      this.#state = "ready";
    } catch (error) {
      if (this.#state === "ending") this.#state = "in-transaction"; // the caller may abort
      throw error;
    }
  }

  async #endTxn(commit: boolean): Promise<void> {
    await this.#coordinatorRequest(
      EndTxn,
      () => ({
        transactionalId: this.#options.transactionalId,
        producerId: this.#idempotence.producerId,
        producerEpoch: this.#idempotence.producerEpoch,
        committed: commit,
      }),
      (r) => r.errorCode,
      undefined,
      // v5 belongs to transaction protocol v2 (a new epoch per transaction): not used here.
      4,
    );
  }

  #expect(call: string, state: State): void {
    if (this.#fencedError) throw this.#fencedError;
    if (this.#state === state) return;
    const why: Record<State, string> = {
      "uninitialized": "call initTransactions() first",
      "ready": "no transaction is open: call beginTransaction() first",
      "in-transaction": "a transaction is already open",
      "ending": "the transaction is being committed or aborted",
      "fenced": "the producer was fenced",
    };
    throw new TransactionStateError(`${call}() is not allowed now: ${why[this.#state]}`);
  }

  /**
   * Sends a request to the transaction coordinator (or a group's), finding it first, and retries
   * what waiting cures until `maxBlockMs`: coordinator moves, loads, concurrent transactions,
   * lost connections. Fencing errors fence the producer.
   */
  async #coordinatorRequest<Req, Res>(
    api: Api<Req, Res>,
    request: () => Req,
    errorOf: (response: Res) => number,
    target: { keyType: number; key: string } = {
      keyType: CoordinatorKeyType.TRANSACTION,
      key: this.#options.transactionalId,
    },
    maxVersion = Infinity,
  ): Promise<Res> {
    const deadline = Date.now() + this.#options.maxBlockMs;
    let cause: unknown;
    while (Date.now() < deadline) {
      try {
        const connection = await this.#coordinatorConnection(target);
        const version = Math.min(connection.versionOf(api), maxVersion);
        const response = await connection.request(api, request(), version);
        const code = errorOf(response);
        if (code === ErrorCode.NONE) return response;
        if (FENCED.has(code)) {
          this.fence(
            new ProducerFencedError(`${api.name}: ${new KafkaBrokerError(code, "").message}`),
          );
          throw this.#fencedError;
        }
        if (COORDINATOR_MOVED.has(code)) this.#forgetCoordinator(target);
        else if (!TRY_AGAIN.has(code)) throw new KafkaBrokerError(code, api.name);
        cause = new KafkaBrokerError(code, api.name);
      } catch (error) {
        // Lost connections, timeouts and retriable errors (e.g. no coordinator yet) are waited out.
        if (!(error instanceof KafkaEdgeError && error.retriable)) throw error;
        this.#forgetCoordinator(target);
        cause = error;
      }
      await new Promise((resolve) => setTimeout(resolve, this.#options.retryBackoffMs));
    }
    throw new TimeoutError(`${api.name} did not succeed within maxBlockMs`, { cause });
  }

  #forgetCoordinator(target: { keyType: number }): void {
    if (target.keyType === CoordinatorKeyType.TRANSACTION) this.#coordinator = null;
  }

  async #coordinatorConnection(target: { keyType: number; key: string }): Promise<Connection> {
    const known = target.keyType === CoordinatorKeyType.TRANSACTION ? this.#coordinator : null;
    const coordinator = known ?? await this.#findCoordinator(target);
    if (target.keyType === CoordinatorKeyType.TRANSACTION) this.#coordinator = coordinator;
    return this.#network.connectionTo(coordinator.nodeId, coordinator.endpoint);
  }

  async #findCoordinator(
    target: { keyType: number; key: string },
  ): Promise<{ nodeId: number; endpoint: Endpoint }> {
    const connection = await this.#anyConnection();
    const response = await connection.request(FindCoordinator, {
      keyType: target.keyType,
      keys: [target.key],
    });
    const found = response.coordinators[0];
    if (!found || found.errorCode !== ErrorCode.NONE) {
      const code = found?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      throw new KafkaBrokerError(
        code,
        `FindCoordinator for ${target.key}`,
        found?.errorMessage,
        true,
      );
    }
    return { nodeId: found.nodeId, endpoint: { host: found.host, port: found.port } };
  }

  /** A connection to any broker: a known one, else a bootstrap address. */
  #anyConnection(): Promise<Connection> {
    return this.#network.connectionToAny(this.#metadata.nodeCandidates());
  }
}

function firstError(codes: number[]): number {
  return codes.find((code) => code !== ErrorCode.NONE) ?? ErrorCode.NONE;
}
