/**
 * A client's view of the cluster: brokers, and for each topic it uses, its partitions and their
 * leaders. Refreshed (by the {@link MetadataUpdater}) on demand (errors, unknown topics) and
 * after `metadataMaxAgeMs`.
 *
 * @module
 */

import { KafkaBrokerError, TimeoutError } from "../errors.ts";
import { ErrorCode } from "../error_codes.ts";
import type { MetadataResponse } from "../protocol/messages/metadata.ts";
import type { Endpoint } from "../transport/transport.ts";

/** A partition as the sender addresses it. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

interface TopicState {
  /** Leader node id per partition index; -1 when the partition has no leader now. */
  leaders: number[];
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
  #waitTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #bootstrap: readonly Endpoint[];

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

  /** Partitions whose leader is `nodeId`. */
  partitionsLedBy(nodeId: number): readonly TopicPartition[] {
    return this.#partitionsByLeader.get(nodeId) ?? [];
  }

  /** Address of a broker. */
  endpointOf(nodeId: number): Endpoint | undefined {
    return this.#brokers.get(nodeId);
  }

  /**
   * Where to send a request any broker can answer: the known brokers first, then the bootstrap
   * addresses (with negative ids, as in the Java client).
   */
  nodeCandidates(): [nodeId: number, endpoint: Endpoint][] {
    const candidates = [...this.#brokers];
    this.#bootstrap.forEach((endpoint, i) => candidates.push([-1 - i, endpoint]));
    return candidates;
  }

  /** Topics to ask about in the next Metadata request. */
  wantedTopics(): string[] {
    return [...this.#wanted];
  }

  /** Asks for a refresh at the next opportunity. */
  requestUpdate(): void {
    this.#updateRequested = true;
  }

  /** Milliseconds until a refresh is due (0: now). */
  timeToNextUpdate(nowMs: number): number {
    if (this.#updateRequested) return 0;
    return Math.max(0, this.#lastRefreshMs + this.#maxAgeMs - nowMs);
  }

  /** Takes a Metadata response in and wakes the sends waiting for its topics. */
  update(response: MetadataResponse, nowMs: number): void {
    this.#lastRefreshMs = nowMs;
    this.#updateRequested = false;
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
      for (const p of topic.partitions) {
        if (p.partitionIndex < leaders.length) {
          leaders[p.partitionIndex] = p.errorCode === ErrorCode.NONE ||
              p.errorCode === ErrorCode.REPLICA_NOT_AVAILABLE
            ? p.leaderId
            : -1;
        }
        if (leaders[p.partitionIndex] < 0) this.#updateRequested = true;
      }
      const available = leaders.flatMap((leader, partition) => leader >= 0 ? [partition] : []);
      // A copy: the decoded id is a view of the whole response's bytes.
      const id = topic.topicId.some((b) => b !== 0) ? topic.topicId.slice() : undefined;
      this.#topics.set(topic.name, { leaders, available, id });
      this.#resolveWaiters(topic.name);
    }
    // A topic wanted since the request went out is not in its response: ask again for it.
    const answered = new Set(response.topics.map((t) => t.name));
    for (const topic of this.#wanted) if (!answered.has(topic)) this.#updateRequested = true;
    this.#indexByLeader();
  }

  /** Resolves once `topic` has partitions; rejects at `deadline` or on a fatal topic error. */
  waitForTopic(topic: string, deadline: number): Promise<void> {
    this.#wanted.add(topic);
    if (this.#topics.has(topic)) return Promise.resolve();
    this.#updateRequested = true;
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

  #indexByLeader(): void {
    const index = new Map<number, TopicPartition[]>();
    for (const [topic, state] of this.#topics) {
      state.leaders.forEach((leader, partition) => {
        if (leader < 0) return;
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
      for (const waiter of expired) {
        waiter.reject(
          new TimeoutError(`topic ${topic} not present in metadata within maxBlockMs`, {
            retriable: true,
          }),
        );
      }
    }
    this.#scheduleExpiry();
  }
}
