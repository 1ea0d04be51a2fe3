/**
 * A client's view of the cluster: brokers, and for each topic it uses, its partitions and their
 * leaders. Refreshed (by the {@link MetadataUpdater}) on demand (errors, unknown topics, lost
 * connections) and after `metadataMaxAgeMs`; a partition's leader also moves at once when a
 * Produce response names a newer one (KIP-951).
 *
 * As in the Java client, the brokers of the last Metadata response are the nodes to ask; the
 * bootstrap addresses only until the first response, and again after a rebootstrap (KIP-899).
 *
 * @module
 */

import { describeChain, KafkaBrokerError, TimeoutError } from "../errors.ts";
import { ErrorCode } from "../error_codes.ts";
import type { MetadataResponse } from "../protocol/messages/metadata.ts";
import type { Endpoint } from "../transport/transport.ts";

/** A partition as the sender addresses it. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A partition's leader as a broker names it in a response (Produce v10+, KIP-951). */
export interface PartitionLeader extends TopicPartition {
  leaderId: number;
  leaderEpoch: number;
}

/** A broker's address as a response gives it. */
export interface NodeAddress {
  nodeId: number;
  host: string;
  port: number;
}

interface TopicState {
  /** Leader node id per partition index; -1 when the partition has no leader now. */
  leaders: number[];
  /** The leader's epoch per partition index; -1 when unknown. */
  leaderEpochs: number[];
  /** Indexes of the partitions that have a leader. */
  available: number[];
  /** The topic's id (Metadata v10+), undefined when the broker gave none. */
  id: Uint8Array | undefined;
}

interface TopicWaiter {
  deadline: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Errors that no amount of waiting for metadata will cure. */
const FATAL_TOPIC_ERRORS = new Set<number>([
  ErrorCode.INVALID_TOPIC_EXCEPTION,
  ErrorCode.TOPIC_AUTHORIZATION_FAILED,
]);

/** Topics, partitions, leaders and brokers, with waiting for topics not yet known. */
export class ClusterMetadata {
  readonly #maxAgeMs: number;
  readonly #brokers = new Map<number, Endpoint>();
  readonly #topics = new Map<string, TopicState>();
  /** Topics the producer uses; the ones a Metadata request asks for. */
  readonly #wanted = new Set<string>();
  readonly #waiters = new Map<string, TopicWaiter[]>();
  #partitionsByLeader = new Map<number, TopicPartition[]>();
  #lastRefreshMs = 0;
  #updateRequested = true;
  /** Topics are wanted that no response has had yet: ask at once, whatever the backoff. */
  #newTopicsWanted = false;
  #waitTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #bootstrap: readonly Endpoint[];
  /** Ask the bootstrap addresses rather than the known brokers (none known yet, or rebootstrap). */
  #usingBootstrap = true;
  /** Why the last connection or Metadata request failed, since the last good response. */
  #lastError: Error | null = null;

  /** `bootstrap`: the addresses to ask while no broker is known. */
  constructor(maxAgeMs: number, bootstrap: readonly Endpoint[] = []) {
    this.#maxAgeMs = maxAgeMs;
    this.#bootstrap = bootstrap;
  }

  /** Number of partitions of a known topic, else undefined. */
  partitionCount(topic: string): number | undefined {
    return this.#topics.get(topic)?.leaders.length;
  }

  /** The partitions of `topic` that have a leader now. */
  availablePartitions(topic: string): readonly number[] {
    return this.#topics.get(topic)?.available ?? [];
  }

  /**
   * The topic's id (16 bytes, KIP-516), or undefined when unknown (not in metadata, or a broker
   * without topic ids). A topic deleted and created again under its name has a new id.
   */
  topicId(topic: string): Uint8Array | undefined {
    return this.#topics.get(topic)?.id;
  }

  /** Leader node of a partition, or -1 when unknown. */
  leaderFor(topic: string, partition: number): number {
    return this.#topics.get(topic)?.leaders[partition] ?? -1;
  }

  /** The epoch of a partition's leader, or -1 when unknown. */
  leaderEpochFor(topic: string, partition: number): number {
    return this.#topics.get(topic)?.leaderEpochs[partition] ?? -1;
  }

  /** Partitions whose leader is `nodeId`. */
  partitionsLedBy(nodeId: number): readonly TopicPartition[] {
    return this.#partitionsByLeader.get(nodeId) ?? [];
  }

  /** Address of a broker. */
  endpointOf(nodeId: number): Endpoint | undefined {
    return this.#brokers.get(nodeId);
  }

  /**
   * Where to send a request any broker can answer: the brokers of the last Metadata response, or
   * before the first one and after a rebootstrap, the bootstrap addresses (with negative ids, as
   * in the Java client).
   */
  nodeCandidates(): [nodeId: number, endpoint: Endpoint][] {
    if (!this.#usingBootstrap && this.#brokers.size > 0) return [...this.#brokers];
    return this.#bootstrap.map((endpoint, i) => [-1 - i, endpoint]);
  }

  /** Whether the candidates are the bootstrap addresses (no broker list in use). */
  get usingBootstrap(): boolean {
    return this.#usingBootstrap;
  }

  /**
   * Forgets the brokers to ask and starts again from the bootstrap addresses (KIP-899), with a
   * refresh due. Partitions keep their leaders until that refresh replaces them.
   */
  rebootstrap(): void {
    this.#usingBootstrap = true;
    this.#updateRequested = true;
  }

  /** Remembers why a connection or Metadata request failed (the cause of a metadata timeout). */
  noteFailure(error: Error): void {
    this.#lastError = error;
  }

  /** Topics to ask about in the next Metadata request. */
  wantedTopics(): string[] {
    return [...this.#wanted];
  }

  /** Asks for a refresh at the next opportunity. */
  requestUpdate(): void {
    this.#updateRequested = true;
  }

  /** Whether a topic is wanted that no response has had yet (a refresh skips its backoff). */
  get newTopicsWanted(): boolean {
    return this.#newTopicsWanted;
  }

  /** Milliseconds until a refresh is due (0: now). */
  timeToNextUpdate(nowMs: number): number {
    if (this.#updateRequested) return 0;
    return Math.max(0, this.#lastRefreshMs + this.#maxAgeMs - nowMs);
  }

  /**
   * Takes a Metadata response in and wakes the sends waiting for its topics. Returns whether it
   * changed anything: brokers, topics, leaders or their epochs.
   */
  update(response: MetadataResponse, nowMs: number): boolean {
    const before = this.#fingerprint();
    this.#lastRefreshMs = nowMs;
    this.#updateRequested = false;
    this.#newTopicsWanted = false;
    this.#usingBootstrap = false;
    this.#lastError = null;
    this.#brokers.clear();
    for (const broker of response.brokers) {
      this.#brokers.set(broker.nodeId, { host: broker.host, port: broker.port });
    }
    for (const topic of response.topics) {
      if (topic.errorCode !== ErrorCode.NONE) {
        this.#topics.delete(topic.name);
        if (FATAL_TOPIC_ERRORS.has(topic.errorCode)) {
          this.#wanted.delete(topic.name);
          this.#rejectWaiters(
            topic.name,
            new KafkaBrokerError(topic.errorCode, `topic ${topic.name}`),
          );
        } else {
          this.#updateRequested = true; // e.g. UNKNOWN_TOPIC_OR_PARTITION: it may appear soon
        }
        continue;
      }
      const leaders = new Array<number>(topic.partitions.length).fill(-1);
      const leaderEpochs = new Array<number>(topic.partitions.length).fill(-1);
      for (const p of topic.partitions) {
        if (p.partitionIndex < leaders.length) {
          const usable = p.errorCode === ErrorCode.NONE ||
            p.errorCode === ErrorCode.REPLICA_NOT_AVAILABLE;
          leaders[p.partitionIndex] = usable ? p.leaderId : -1;
          leaderEpochs[p.partitionIndex] = usable ? p.leaderEpoch : -1;
        }
        if (leaders[p.partitionIndex] < 0) this.#updateRequested = true;
      }
      const available = leaders.flatMap((leader, partition) => leader >= 0 ? [partition] : []);
      // A copy: the decoded id is a view of the whole response's bytes.
      const id = topic.topicId.some((b) => b !== 0) ? topic.topicId.slice() : undefined;
      this.#topics.set(topic.name, { leaders, leaderEpochs, available, id });
      this.#resolveWaiters(topic.name);
    }
    // A topic wanted since the request went out is not in its response: ask again for it.
    const answered = new Set(response.topics.map((t) => t.name));
    for (const topic of this.#wanted) if (!answered.has(topic)) this.#updateRequested = true;
    this.#indexByLeader();
    return this.#fingerprint() !== before;
  }

  /** Brokers, topics and leaders in one string, to tell whether a response changed anything. */
  #fingerprint(): string {
    const parts: string[] = [];
    for (const [id, { host, port }] of this.#brokers) parts.push(`${id}@${host}:${port}`);
    for (const [topic, state] of this.#topics) {
      parts.push(`${topic}:${state.leaders.join(",")}/${state.leaderEpochs.join(",")}`);
    }
    return parts.join(" ");
  }

  /**
   * Takes in the leaders a Produce response names (KIP-951), as the Java client's
   * `Metadata.updatePartitionLeadership` does: `nodes` add or replace brokers' addresses; a
   * partition moves to its named leader only if the epoch is newer than the one known, the leader's
   * address is known, and the partition is. Returns the partitions whose leader changed.
   */
  updatePartitionLeadership(
    leaders: readonly PartitionLeader[],
    nodes: readonly NodeAddress[],
  ): TopicPartition[] {
    const addresses = new Map(this.#brokers);
    for (const node of nodes) addresses.set(node.nodeId, { host: node.host, port: node.port });
    const updated: TopicPartition[] = [];
    for (const { topic, partition, leaderId, leaderEpoch } of leaders) {
      const state = this.#topics.get(topic);
      if (!state || partition >= state.leaders.length || leaderId < 0 || leaderEpoch < 0) continue;
      const known = state.leaderEpochs[partition];
      if (known >= 0 && leaderEpoch <= known) continue;
      if (!addresses.has(leaderId)) continue;
      state.leaders[partition] = leaderId;
      state.leaderEpochs[partition] = leaderEpoch;
      updated.push({ topic, partition });
    }
    if (updated.length === 0) return updated;
    for (const node of nodes) {
      this.#brokers.set(node.nodeId, { host: node.host, port: node.port });
    }
    this.#indexByLeader();
    return updated;
  }

  /** Resolves once `topic` has partitions; rejects at `deadline` or on a fatal topic error. */
  waitForTopic(topic: string, deadline: number): Promise<void> {
    this.#wanted.add(topic);
    if (this.#topics.has(topic)) return Promise.resolve();
    this.#updateRequested = true;
    this.#newTopicsWanted = true;
    return new Promise<void>((resolve, reject) => {
      let list = this.#waiters.get(topic);
      if (!list) this.#waiters.set(topic, list = []);
      list.push({ deadline, resolve, reject });
      this.#scheduleExpiry();
    });
  }

  /** Rejects everyone waiting for metadata (the producer is closing). */
  abortWaiters(error: Error): void {
    for (const topic of [...this.#waiters.keys()]) this.#rejectWaiters(topic, error);
  }

  /** Rebuilds the partitions by leader and each topic's partitions that have one. */
  #indexByLeader(): void {
    const index = new Map<number, TopicPartition[]>();
    for (const [topic, state] of this.#topics) {
      state.available = [];
      state.leaders.forEach((leader, partition) => {
        if (leader < 0) return;
        state.available.push(partition);
        let list = index.get(leader);
        if (!list) index.set(leader, list = []);
        list.push({ topic, partition });
      });
    }
    this.#partitionsByLeader = index;
  }

  #resolveWaiters(topic: string): void {
    const list = this.#waiters.get(topic);
    if (!list) return;
    this.#waiters.delete(topic);
    for (const waiter of list) waiter.resolve();
    this.#scheduleExpiry();
  }

  #rejectWaiters(topic: string, error: Error): void {
    const list = this.#waiters.get(topic);
    if (!list) return;
    this.#waiters.delete(topic);
    for (const waiter of list) waiter.reject(error);
    this.#scheduleExpiry();
  }

  /** One timer for the earliest waiter deadline. */
  #scheduleExpiry(): void {
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    let earliest = Infinity;
    for (const list of this.#waiters.values()) {
      for (const waiter of list) earliest = Math.min(earliest, waiter.deadline);
    }
    if (earliest === Infinity) return;
    this.#waitTimer = setTimeout(() => this.#expireWaiters(), Math.max(0, earliest - Date.now()));
  }

  #expireWaiters(): void {
    const now = Date.now();
    for (const [topic, list] of this.#waiters) {
      const expired = list.filter((w) => w.deadline <= now);
      if (expired.length === 0) continue;
      const remaining = list.filter((w) => w.deadline > now);
      if (remaining.length > 0) this.#waiters.set(topic, remaining);
      else this.#waiters.delete(topic);
      const cause = this.#lastError;
      const last = cause ? `; last error: ${describeChain(cause)}` : "";
      for (const waiter of expired) {
        waiter.reject(
          new TimeoutError(`topic ${topic} not present in metadata within maxBlockMs${last}`, {
            retriable: true,
            cause: cause ?? undefined,
          }),
        );
      }
    }
    this.#scheduleExpiry();
  }
}
