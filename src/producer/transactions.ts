/**
 * Transactions: the calls of a producer with a `transactionalId` and their conversation with the
 * transaction coordinator (FindCoordinator, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit, EndTxn), with the Java client's state machine (TransactionManager):
 *
 * - An error that aborting cures (a failed record, an unauthorized topic or group, an unknown
 *   producer...) makes the transaction abortable: sends and commit are refused, abort works and
 *   the next transaction can begin. Where the coordinator can bump the epoch (InitProducerId v3+,
 *   KIP-360) and the transaction protocol is v1, the abort ends with InitProducerId carrying the
 *   current id and epoch, so that the next transaction starts with fresh sequences.
 * - An error that nothing cures (fenced, unauthorized transactional id, an invalid state) is
 *   fatal: every later call and send fails with it.
 *
 * Two transaction protocols: v1 (Kafka 2.x/3.x, and 4.x with `transaction.version` 1) adds each
 * partition with AddPartitionsToTxn before its first batch (Produce up to v11) and the offsets'
 * group with AddOffsetsToTxn; v2 (KIP-890 part 2, where the coordinator's ApiVersions finalizes
 * `transaction.version` 2, Kafka 4.x's default) lets Produce v12+ and TxnOffsetCommit v5 add them
 * implicitly, and EndTxn v5 bumps the epoch at the end of every transaction (its response carries
 * the producer id and epoch to go on with).
 *
 * @module
 */

import {
  InvalidRecordError,
  KafkaBrokerError,
  KafkaEdgeError,
  ProducerFencedError,
  TimeoutError,
  TransactionStateError,
} from "../errors.ts";
import type { Connection } from "../client/connection.ts";
import { ErrorCode, isRetriableErrorCode } from "../error_codes.ts";
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
  /** The next offset to consume (the last processed one plus 1); a number is taken as well. */
  offset: bigint | number;
  /** Free text stored with the offset. Default null. */
  metadata?: string | null;
}

type State =
  | "uninitialized"
  | "initializing"
  | "ready"
  | "in-transaction"
  | "committing"
  | "aborting"
  | "abortable"
  | "fatal";

/** Settings of {@link Transactions}. */
export interface TransactionsOptions {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** Bound on each transactional call (the Java client's max.block.ms). */
  maxBlockMs: number;
  retryBackoffMs: number;
}

/** What the producer around the transactions does for them. */
export interface TransactionsHost {
  /** Wakes the sender (partitions were added, an id arrived). */
  wake(): void;
  /** Fails the batches never drained: they cannot go into this transaction any more. */
  failUndrained(error: Error): void;
  /** The producer can do nothing more: every pending and later send fails with `error`. */
  fatal(error: KafkaEdgeError): void;
}

/** What a coordinator's error code calls for, by the Java client's handlers. */
type Handling =
  | "retry"
  | "find-coordinator"
  | "fenced"
  | "abortable"
  /** Abortable where the epoch can be bumped (KIP-360 or protocol v2), else fatal. */
  | "abortable-bump"
  /** initTransactions() fails and may be called again. */
  | "uninitialized"
  | "fatal";

/** A coordinator request and what its error codes call for. */
interface CoordinatorCall<Req, Res> {
  api: Api<Req, Res>;
  request: () => Req;
  errorOf: (response: Res) => number;
  handling: (code: number) => Handling;
  /** The group's coordinator (TxnOffsetCommit) instead of the transaction's. */
  group?: string;
  /** The newest version to speak (the transaction protocol decides some). */
  maxVersion?: number;
}

/** FindCoordinator: only errors waiting cures are retried (`FindCoordinatorHandler`). */
function findCoordinatorHandling(code: number): Handling {
  if (isRetriableErrorCode(code)) return "retry";
  if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) return "abortable";
  if (code === ErrorCode.TRANSACTION_ABORTABLE) return "abortable";
  return "fatal";
}

/** What every transaction coordinator API shares: moves, waits, fencing. */
function coordinatorHandling(code: number): Handling | undefined {
  if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
    return "find-coordinator";
  }
  if (isRetriableErrorCode(code)) return "retry";
  if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED) {
    return "fenced";
  }
  return undefined;
}

/** The same, and the codes AddPartitionsToTxn, AddOffsetsToTxn and EndTxn agree on. */
function commonHandling(code: number): Handling | undefined {
  const handling = coordinatorHandling(code);
  if (handling) return handling;
  if (
    code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
    code === ErrorCode.INVALID_TXN_STATE || code === ErrorCode.INVALID_PRODUCER_ID_MAPPING
  ) return "fatal";
  if (code === ErrorCode.UNKNOWN_PRODUCER_ID) return "abortable-bump";
  if (code === ErrorCode.TRANSACTION_ABORTABLE) return "abortable";
  return undefined;
}

function initProducerIdHandling(code: number): Handling {
  const handling = coordinatorHandling(code);
  if (handling) return handling;
  if (
    code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
    code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED ||
    code === ErrorCode.TRANSACTION_ABORTABLE
  ) return "uninitialized";
  return "fatal";
}

/** AddPartitionsToTxn: a partition it could not add makes the transaction abortable. */
function addPartitionsHandling(code: number): Handling {
  return commonHandling(code) ?? "abortable";
}

function addOffsetsHandling(code: number): Handling {
  if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) return "abortable";
  return commonHandling(code) ?? "fatal";
}

/** TxnOffsetCommit, answered by the group coordinator (`TxnOffsetCommitHandler`). */
function txnOffsetCommitHandling(code: number): Handling {
  switch (code) {
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.REQUEST_TIMED_OUT:
      return "find-coordinator";
    case ErrorCode.INVALID_PRODUCER_EPOCH:
    case ErrorCode.PRODUCER_FENCED:
      return "fenced";
    case ErrorCode.GROUP_AUTHORIZATION_FAILED:
    case ErrorCode.FENCED_INSTANCE_ID:
    case ErrorCode.TRANSACTION_ABORTABLE:
    case ErrorCode.UNKNOWN_MEMBER_ID:
    case ErrorCode.ILLEGAL_GENERATION:
    case ErrorCode.GROUP_ID_NOT_FOUND:
    case ErrorCode.STALE_MEMBER_EPOCH:
      return "abortable";
  }
  return isRetriableErrorCode(code) ? "retry" : "fatal";
}

function endTxnHandling(code: number): Handling {
  return commonHandling(code) ?? "fatal";
}

/** The transactional state machine of one producer. */
export class Transactions {
  readonly #options: TransactionsOptions;
  readonly #network: NetworkClient;
  readonly #metadata: ClusterMetadata;
  readonly #idempotence: Idempotence;
  readonly #host: TransactionsHost;
  #state: State = "uninitialized";
  /** Why the transaction is abortable, or the producer dead (states "abortable", "fatal"). */
  #lastError: Error | null = null;
  #coordinator: { nodeId: number; endpoint: Endpoint } | null = null;
  /** The coordinator speaks InitProducerId v3+, so the client may bump its epoch (KIP-360). */
  #coordinatorBumpsEpoch = false;
  /** The coordinator finalizes transaction.version 2 (KIP-890 part 2). */
  #v2 = false;
  /** Abort ends with InitProducerId to bump the epoch (protocol v1, KIP-360). */
  #bumpOnAbort = false;
  /** Partitions the coordinator knows are in the current transaction (protocol v1). */
  readonly #added = new Set<string>();
  /** Partitions with batches waiting to be added (protocol v1). */
  readonly #pending = new Map<string, { topic: string; partition: number }>();
  #adding = false;
  /** Whether the coordinator knows of the current transaction (partitions or offsets added). */
  #started = false;

  constructor(
    options: TransactionsOptions,
    network: NetworkClient,
    metadata: ClusterMetadata,
    idempotence: Idempotence,
    host: TransactionsHost,
  ) {
    this.#options = options;
    this.#network = network;
    this.#metadata = metadata;
    this.#idempotence = idempotence;
    this.#host = host;
  }

  get transactionalId(): string {
    return this.#options.transactionalId;
  }

  /** Whether partitions join the transaction through Produce (protocol v2: Produce v12+). */
  get implicitPartitions(): boolean {
    return this.#v2;
  }

  /** Registers the transactional id with its coordinator, fencing older instances. */
  async init(): Promise<void> {
    this.#expect("initTransactions", "uninitialized");
    this.#state = "initializing";
    try {
      const response = await this.#coordinatorRequest({
        api: InitProducerId,
        request: () => ({
          transactionalId: this.#options.transactionalId,
          transactionTimeoutMs: this.#options.transactionTimeoutMs,
          producerId: -1n,
          producerEpoch: -1,
        }),
        errorOf: (r) => r.errorCode,
        handling: initProducerIdHandling,
      });
      this.#idempotence.restart(response.producerId, response.producerEpoch);
      this.#v2 = this.#coordinatorSpeaksV2();
      this.#state = "ready";
    } finally {
      if (this.#state === "initializing") this.#state = "uninitialized";
    }
    this.#host.wake();
  }

  begin(): void {
    this.#expect("beginTransaction", "ready");
    this.#added.clear();
    this.#pending.clear();
    this.#started = false;
    this.#state = "in-transaction";
  }

  /** Throws unless a record may be sent now (inside a transaction without an error). */
  checkCanSend(): void {
    this.#expect("send", "in-transaction");
  }

  /**
   * Whether a batch may be drained: protocol v2 adds its partition implicitly; v1 once its
   * partition is in the transaction (else it is queued for adding).
   */
  canDrain(batch: ProducerBatch): boolean {
    if (this.#state === "fatal") return false;
    if (this.#v2) {
      this.#started = true;
      return true;
    }
    const key = `${batch.topic}\u0000${batch.partition}`;
    if (this.#added.has(key)) return true;
    this.#pending.set(key, { topic: batch.topic, partition: batch.partition });
    return false;
  }

  /** Adds pending partitions to the transaction, one request at a time; wakes the sender after. */
  maybeAddPartitions(): void {
    const open = this.#state === "in-transaction" || this.#state === "committing" ||
      this.#state === "aborting";
    if (this.#adding || this.#pending.size === 0 || !open) return;
    this.#adding = true;
    const adding = [...this.#pending];
    const topics = new Map<string, number[]>();
    for (const [, { topic, partition }] of adding) {
      let list = topics.get(topic);
      if (!list) topics.set(topic, list = []);
      list.push(partition);
    }
    this.#coordinatorRequest({
      api: AddPartitionsToTxn,
      request: () => ({
        transactionalId: this.#options.transactionalId,
        producerId: this.#idempotence.producerId,
        producerEpoch: this.#idempotence.producerEpoch,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      }),
      errorOf: (r) => firstError(r.results.flatMap((t) => t.partitions.map((p) => p.errorCode))),
      handling: addPartitionsHandling,
    }).then(
      () => {
        this.#started = true;
        for (const [key] of adding) {
          this.#pending.delete(key);
          this.#added.add(key);
        }
      },
      () => {
        // A broker error made the transaction abortable or fatal (its queued records fail); after
        // a timeout the partitions are added again on a later turn, until the records expire (Java
        // retries the request until then).
        for (const [key] of adding) this.#pending.delete(key);
      },
    ).finally(() => {
      this.#adding = false;
      this.#host.wake();
    });
  }

  /**
   * A record of the transaction failed (the accumulator's report): the transaction can only be
   * aborted, and where the coordinator allows, the abort bumps the epoch (the failed batch's
   * sequence may be taken); fencing, and the codes that end the producer, are fatal.
   */
  batchFailed(error: Error): void {
    if (this.#state === "fatal") return;
    if (error instanceof ProducerFencedError) {
      this.fatal(error);
      return;
    }
    this.#abortable(error, this.#clientBumpsEpoch);
  }

  /** A record's fate is unknown after it expired: abortable with a bump where possible. */
  unresolved(error: KafkaEdgeError): void {
    if (this.#state === "fatal") return;
    if (this.#coordinatorBumpsEpoch || this.#v2) this.#abortable(error, this.#clientBumpsEpoch);
    else this.fatal(error);
  }

  /** Nothing more can be done with this producer: every call fails with `error`. */
  fatal(error: KafkaEdgeError): void {
    if (this.#state === "fatal") return;
    this.#state = "fatal";
    this.#lastError = error;
    this.#pending.clear();
    this.#host.fatal(error);
  }

  /** Commits offsets of consumed records with the transaction (exactly-once processing). */
  async sendOffsets(offsets: readonly TransactionOffset[], groupId: string): Promise<void> {
    this.#expect("sendOffsetsToTransaction", "in-transaction");
    const byTopic = offsetsByTopic(offsets);
    if (!this.#v2) {
      await this.#coordinatorRequest({
        api: AddOffsetsToTxn,
        request: () => ({
          transactionalId: this.#options.transactionalId,
          producerId: this.#idempotence.producerId,
          producerEpoch: this.#idempotence.producerEpoch,
          groupId,
        }),
        errorOf: (r) => r.errorCode,
        handling: addOffsetsHandling,
      });
    }
    this.#started = true;
    await this.#coordinatorRequest({
      api: TxnOffsetCommit,
      request: () => ({
        transactionalId: this.#options.transactionalId,
        groupId,
        producerId: this.#idempotence.producerId,
        producerEpoch: this.#idempotence.producerEpoch,
        generationId: -1,
        memberId: "",
        groupInstanceId: null,
        topics: byTopic,
      }),
      errorOf: (r) => firstError(r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))),
      handling: txnOffsetCommitHandling,
      group: groupId,
      // v5 adds the group to the transaction implicitly (protocol v2); v1 must stay at v4.
      maxVersion: this.#v2 ? 5 : 4,
    });
  }

  /**
   * Ends the transaction. `flush` first delivers every record sent in it; a commit is refused
   * (and the transaction must be aborted) if any of them failed. After such an error the
   * records not yet sent failed already, so the abort waits only for those on their way.
   */
  async end(commit: boolean, flush: () => Promise<void>): Promise<void> {
    const call = commit ? "commitTransaction" : "abortTransaction";
    if (commit || this.#state !== "abortable") this.#expect(call, "in-transaction");
    this.#state = commit ? "committing" : "aborting";
    try {
      await flush();
      // A record that failed during the flush made the transaction abortable (or worse).
      if (this.#state !== (commit ? "committing" : "aborting")) {
        this.#expect(call, "in-transaction");
      }
      const wasV2 = this.#v2;
      // The coordinator never heard of an empty transaction: there is nothing to end.
      if (this.#started) await this.#endTxn(commit, wasV2);
      // Moving to protocol v2 (a cluster upgraded): a new epoch first, as the Java client does.
      this.#v2 = this.#coordinatorSpeaksV2();
      if ((!commit && this.#bumpOnAbort) || (!wasV2 && this.#v2)) await this.#bumpEpoch();
      this.#bumpOnAbort = false;
      this.#lastError = null;
      this.#state = "ready";
    } catch (error) {
      // Unless an abortable or fatal error moved the state on, the call may be tried again: a
      // failed commit leaves the transaction open, a failed abort leaves it to be aborted.
      if (this.#state === "committing") this.#state = "in-transaction";
      if (this.#state === "aborting") {
        this.#state = "abortable";
        this.#lastError ??= error as Error;
      }
      throw error;
    }
  }

  async #endTxn(commit: boolean, v2: boolean): Promise<void> {
    const response = await this.#coordinatorRequest({
      api: EndTxn,
      request: () => ({
        transactionalId: this.#options.transactionalId,
        producerId: this.#idempotence.producerId,
        producerEpoch: this.#idempotence.producerEpoch,
        committed: commit,
      }),
      errorOf: (r) => r.errorCode,
      handling: endTxnHandling,
      // v5 makes the coordinator bump the epoch at every transaction end (protocol v2 only).
      maxVersion: v2 ? 5 : 4,
    });
    if (response.producerId >= 0n) {
      this.#idempotence.restart(response.producerId, response.producerEpoch);
    }
  }

  /** KIP-360: InitProducerId with the current id and epoch gives a new epoch, sequences restart. */
  async #bumpEpoch(): Promise<void> {
    const response = await this.#coordinatorRequest({
      api: InitProducerId,
      request: () => ({
        transactionalId: this.#options.transactionalId,
        transactionTimeoutMs: this.#options.transactionTimeoutMs,
        producerId: this.#idempotence.producerId,
        producerEpoch: this.#idempotence.producerEpoch,
      }),
      errorOf: (r) => r.errorCode,
      handling: (code) => {
        const handling = initProducerIdHandling(code);
        return handling === "uninitialized" ? "fatal" : handling;
      },
    });
    this.#idempotence.restart(response.producerId, response.producerEpoch);
  }

  /** Whether the epoch bump after an abortable error is the client's to ask for. */
  get #clientBumpsEpoch(): boolean {
    return this.#coordinatorBumpsEpoch && !this.#v2;
  }

  /**
   * The transaction can only be aborted now; its records not yet sent fail. (Outside a
   * transaction, as during initTransactions(), the call that failed says it all.)
   */
  #abortable(error: Error, bumpOnAbort: boolean): void {
    if (this.#state === "fatal") return;
    if (bumpOnAbort) this.#bumpOnAbort = true;
    if (this.#state !== "in-transaction" && this.#state !== "committing") return;
    this.#state = "abortable";
    this.#lastError = error;
    this.#pending.clear();
    this.#host.failUndrained(error);
  }

  #expect(call: string, state: State): void {
    if (this.#state === state) return;
    if (this.#state === "fatal") throw this.#lastError;
    const why: Record<State, string> = {
      "uninitialized": "call initTransactions() first",
      "initializing": "initTransactions() has not completed",
      "ready": "no transaction is open: call beginTransaction() first",
      "in-transaction": "a transaction is already open",
      "committing": "the transaction is being committed",
      "aborting": "the transaction is being aborted",
      "abortable": "the transaction failed: abort it (abortTransaction) first",
      "fatal": "the producer failed",
    };
    throw new TransactionStateError(`${call}() is not allowed now: ${why[this.#state]}`, {
      cause: this.#state === "abortable" ? this.#lastError : undefined,
    });
  }

  #coordinatorSpeaksV2(): boolean {
    const coordinator = this.#coordinator && this.#network.connection(this.#coordinator.nodeId);
    const level = coordinator?.finalizedFeatures.get("transaction.version") ?? 0;
    return level >= 2 && coordinator!.versionOf(EndTxn) >= 5;
  }

  /**
   * Sends a request to the transaction coordinator (or a group's), finding it first, and retries
   * what waiting cures until `maxBlockMs`: coordinator moves, loads, concurrent transactions,
   * lost connections. Other errors make the transaction abortable or the producer fail, by the
   * call's `handling`, and reject with the broker's error.
   */
  async #coordinatorRequest<Req, Res>(call: CoordinatorCall<Req, Res>): Promise<Res> {
    const deadline = Date.now() + this.#options.maxBlockMs;
    const { api } = call;
    let cause: unknown;
    while (Date.now() < deadline) {
      let code: number;
      let handling: Handling;
      let context = api.name;
      try {
        const connection = await this.#coordinatorConnection(call.group);
        const version = Math.min(connection.versionOf(api), call.maxVersion ?? Infinity);
        const response = await connection.request(api, call.request(), version);
        code = call.errorOf(response);
        if (code === ErrorCode.NONE) return response;
        handling = call.handling(code);
      } catch (error) {
        if (error instanceof CoordinatorNotFound) {
          code = error.code;
          handling = findCoordinatorHandling(code);
          context = "FindCoordinator";
        } else if (error instanceof KafkaEdgeError && error.retriable) {
          // Lost connections and timeouts are waited out; the coordinator may have moved.
          this.#forgetCoordinator(call.group);
          cause = error;
          await this.#backoff();
          continue;
        } else throw error;
      }
      const error = new KafkaBrokerError(code, context);
      if (handling === "find-coordinator") this.#forgetCoordinator(call.group);
      if (handling === "retry" || handling === "find-coordinator") {
        cause = error;
        await this.#backoff();
        continue;
      }
      this.#onCoordinatorError(handling, error);
      throw this.#state === "fatal" ? this.#lastError : error;
    }
    throw new TimeoutError(`${api.name} did not succeed within maxBlockMs`, { cause });
  }

  #onCoordinatorError(handling: Handling, error: KafkaBrokerError): void {
    switch (handling) {
      case "fenced":
        this.fatal(new ProducerFencedError(error.message));
        break;
      case "abortable":
        this.#abortable(error, false);
        break;
      case "abortable-bump":
        if (this.#coordinatorBumpsEpoch || this.#v2) this.#abortable(error, this.#clientBumpsEpoch);
        else this.fatal(error);
        break;
      case "fatal":
        this.fatal(error);
        break;
      case "uninitialized": // initTransactions() rejects with it and may be called again
        break;
    }
  }

  #backoff(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.#options.retryBackoffMs));
  }

  #forgetCoordinator(group: string | undefined): void {
    if (group === undefined) this.#coordinator = null;
  }

  async #coordinatorConnection(group: string | undefined): Promise<Connection> {
    if (group !== undefined) {
      const found = await this.#findCoordinator(CoordinatorKeyType.GROUP, group);
      return this.#network.connectionTo(found.nodeId, found.endpoint);
    }
    this.#coordinator ??= await this.#findCoordinator(
      CoordinatorKeyType.TRANSACTION,
      this.#options.transactionalId,
    );
    const connection = await this.#network.connectionTo(
      this.#coordinator.nodeId,
      this.#coordinator.endpoint,
    );
    this.#coordinatorBumpsEpoch = connection.versionOf(InitProducerId) >= 3;
    return connection;
  }

  async #findCoordinator(
    keyType: number,
    key: string,
  ): Promise<{ nodeId: number; endpoint: Endpoint }> {
    const connection = await this.#anyConnection();
    const response = await connection.request(FindCoordinator, { keyType, keys: [key] });
    const found = response.coordinators[0];
    if (!found || found.errorCode !== ErrorCode.NONE) {
      throw new CoordinatorNotFound(found?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    return { nodeId: found.nodeId, endpoint: { host: found.host, port: found.port } };
  }

  /** A connection to any broker: a known one, else a bootstrap address. */
  #anyConnection(): Promise<Connection> {
    return this.#network.connectionToAny(this.#metadata.nodeCandidates());
  }
}

/** FindCoordinator answered with an error code. */
class CoordinatorNotFound extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`FindCoordinator: error ${code}`);
    this.code = code;
  }
}

function firstError(codes: number[]): number {
  return codes.find((code) => code !== ErrorCode.NONE) ?? ErrorCode.NONE;
}

/** The offsets grouped by topic, checked (an offset may be a bigint or a safe integer). */
function offsetsByTopic(offsets: readonly TransactionOffset[]) {
  const byTopic = new Map<string, TransactionOffset[]>();
  for (const offset of offsets) {
    let list = byTopic.get(offset.topic);
    if (!list) byTopic.set(offset.topic, list = []);
    list.push(offset);
  }
  return [...byTopic].map(([name, list]) => ({
    name,
    partitions: list.map((o, i) => ({
      partitionIndex: o.partition,
      committedOffset: offsetValue(o.offset, `offsets of ${name}, item ${i}`),
      committedLeaderEpoch: -1,
      committedMetadata: o.metadata ?? null,
    })),
  }));
}

function offsetValue(offset: unknown, where: string): bigint {
  if (typeof offset === "bigint" && offset >= 0n) return offset;
  if (typeof offset === "number" && Number.isSafeInteger(offset) && offset >= 0) {
    return BigInt(offset);
  }
  throw new InvalidRecordError(
    `sendOffsetsToTransaction: offset (${where}) must be a non-negative integer, ` +
      `as a bigint or a number, got ${typeof offset === "string" ? `"${offset}"` : offset}`,
  );
}
