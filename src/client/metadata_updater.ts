/**
 * Keeps {@link ClusterMetadata} fresh: sends a Metadata request when one is due (requested, a
 * topic missing, or older than `metadataMaxAgeMs`), one at a time, to the least loaded broker
 * with a connection (connecting to the next candidate when there is none), and backs off after
 * a failure or an answer that still lacks something. Nothing here blocks: the owner's loop calls
 * {@link MetadataUpdater.poll} each turn and is woken when a response or failure comes in.
 *
 * As in the Java client's `DefaultMetadataUpdater`:
 * - a failed connection attempt or a lost connection asks for a refresh (the broker may have
 *   led partitions and gone for good); a refresh is never sent sooner than `retryBackoffMs` after
 *   the last one, and the wait doubles (to `retryBackoffMaxMs`) while responses change nothing
 *   or requests fail;
 * - with `metadataRecoveryStrategy` "rebootstrap" (KIP-899, KIP-1102) the bootstrap addresses are
 *   asked again when no known broker can be reached, when no Metadata response came for
 *   `metadataRecoveryRebootstrapTriggerMs`, or when a broker answers REBOOTSTRAP_REQUIRED.
 *
 * @module
 */

import { backoffMs } from "../backoff.ts";
import { KafkaBrokerError } from "../errors.ts";
import { ErrorCode } from "../error_codes.ts";
import { Metadata, type MetadataResponse } from "../protocol/messages/metadata.ts";
import { CONNECTION_ATTEMPT_DELAY_MS } from "./bootstrap.ts";
import type { ClusterMetadata } from "./cluster_metadata.ts";
import type { NetworkClient } from "./network_client.ts";

/** What to do when no known broker gives metadata (Java's `metadata.recovery.strategy`). */
export type MetadataRecoveryStrategy = "none" | "rebootstrap";

/** Settings of a {@link MetadataUpdater}. */
export interface MetadataUpdaterOptions {
  allowAutoCreateTopics: boolean;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  metadataRecoveryStrategy: MetadataRecoveryStrategy;
  metadataRecoveryRebootstrapTriggerMs: number;
}

/** Hears how metadata requests went (logs, events). */
export interface MetadataObserver {
  metadataUpdated(brokerCount: number, topics: readonly string[]): void;
  metadataFailed(error: Error): void;
  /** The bootstrap addresses are asked again; `reason` says why. */
  rebootstrapped(reason: string): void;
}

/** A node to send a request to now, or how long to wait for one. */
export type NodeChoice = { node: number } | { sleepMs: number };

/** Schedules the Metadata requests of one client. */
export class MetadataUpdater {
  readonly #metadata: ClusterMetadata;
  readonly #network: NetworkClient;
  readonly #options: MetadataUpdaterOptions;
  readonly #observer: MetadataObserver;
  readonly #wake: () => void;
  #inFlight = false;
  /** No request before this time (backoff). */
  #retryAtMs = 0;
  /** Failed requests in a row (failures and answers not used). */
  #failures = 0;
  /** Answers in a row that changed nothing the client had. */
  #unchanged = 0;
  /** When the client began to want metadata it has not got since; null while it has it. */
  #wantedSinceMs: number | null = null;
  /** When each candidate was last chosen for a connection attempt (least recent first). */
  readonly #lastChosenMs = new Map<number, number>();

  /** `wake` is called when a request ends, so the owner's loop polls again. */
  constructor(
    metadata: ClusterMetadata,
    network: NetworkClient,
    options: MetadataUpdaterOptions,
    observer: MetadataObserver,
    wake: () => void,
  ) {
    this.#metadata = metadata;
    this.#network = network;
    this.#options = options;
    this.#observer = observer;
    this.#wake = wake;
    network.onNodeFailure((_nodeId, error) => this.#onNodeFailure(error));
  }

  /** Sends a Metadata request when one is due; returns how long until it needs attention. */
  poll(nowMs: number): number {
    const due = this.#metadata.timeToNextUpdate(nowMs);
    if (due > 0) return due;
    if (this.#inFlight) return Infinity; // its response wakes the loop
    this.#wantedSinceMs ??= nowMs;
    if (nowMs < this.#retryAtMs && !this.#metadata.newTopicsWanted) return this.#retryAtMs - nowMs;
    if (this.#rebootstrapping() && this.#wantedSinceMs !== null) {
      const waitedMs = nowMs - this.#wantedSinceMs;
      if (waitedMs > this.#options.metadataRecoveryRebootstrapTriggerMs) {
        this.#rebootstrap(nowMs, `no metadata for ${waitedMs} ms`);
      }
    }
    const target = this.leastLoadedNode(nowMs);
    if ("sleepMs" in target) return target.sleepMs;

    this.#inFlight = true;
    this.#network.connection(target.node)!.request(Metadata, {
      topics: this.#metadata.wantedTopics(),
      allowAutoTopicCreation: this.#options.allowAutoCreateTopics,
    }).then((response) => this.#onResponse(response))
      // A request that failed, or a response that could not be applied.
      .catch((error) => this.#onFailure(error))
      .finally(() => {
        this.#inFlight = false;
        this.#wake();
      });
    return Infinity;
  }

  /**
   * A candidate node with an open connection, for a request any broker can answer (Metadata,
   * InitProducerId). Without one, starts connecting to the candidate not backing off that was
   * tried least recently, and says how long to sleep meanwhile: a connection's outcome wakes the
   * loop, and after {@link CONNECTION_ATTEMPT_DELAY_MS} the next candidate is tried beside an
   * attempt still under way. With the "rebootstrap" strategy, when every known broker is backing
   * off, the bootstrap addresses become the candidates.
   */
  leastLoadedNode(nowMs: number): NodeChoice {
    let choice = this.#choose(nowMs);
    if (choice.unreachable && this.#rebootstrapping() && !this.#metadata.usingBootstrap) {
      this.#rebootstrap(nowMs, "no known broker can be reached");
      choice = this.#choose(nowMs);
    }
    if (choice.node !== undefined) return { node: choice.node };
    if (choice.connect) {
      const [id, endpoint] = choice.connect;
      this.#lastChosenMs.set(id, nowMs);
      this.#network.isReady(id, endpoint, Infinity, nowMs); // starts the connection
      return { sleepMs: CONNECTION_ATTEMPT_DELAY_MS };
    }
    return { sleepMs: choice.sleepMs };
  }

  #choose(nowMs: number): {
    node?: number;
    connect?: [number, { host: string; port: number }];
    sleepMs: number;
    /** No candidate is connected, connecting, or free to connect. */
    unreachable: boolean;
  } {
    const candidates = this.#metadata.nodeCandidates();
    let best: number | undefined;
    let bestLoad = Infinity;
    let busy = false;
    let attemptWaitMs = Infinity;
    let connect: [number, { host: string; port: number }] | undefined;
    let backoffWaitMs = Infinity;
    for (const candidate of candidates) {
      const [id] = candidate;
      const connection = this.#network.connection(id);
      if (connection) {
        if (connection.isReady && connection.inFlightCount < bestLoad) {
          best = id;
          bestLoad = connection.inFlightCount;
        } else busy = true; // re-authenticating: its end wakes the loop
        continue;
      }
      const age = this.#network.attemptAgeMs(id, nowMs);
      if (age !== undefined) {
        attemptWaitMs = Math.min(attemptWaitMs, Math.max(0, CONNECTION_ATTEMPT_DELAY_MS - age));
        continue;
      }
      const delay = this.#network.connectionDelay(id, nowMs);
      if (delay > 0) {
        backoffWaitMs = Math.min(backoffWaitMs, delay);
        continue;
      }
      const chosenMs = this.#lastChosenMs.get(id) ?? -Infinity;
      if (!connect || chosenMs < (this.#lastChosenMs.get(connect[0]) ?? -Infinity)) {
        connect = candidate;
      }
    }
    if (best !== undefined) return { node: best, sleepMs: 0, unreachable: false };
    const connecting = attemptWaitMs !== Infinity;
    // A young attempt is given its time before another starts beside it.
    if (busy || (connecting && attemptWaitMs > 0)) {
      return { sleepMs: busy ? Infinity : attemptWaitMs, unreachable: false };
    }
    if (connect) return { connect, sleepMs: 0, unreachable: false };
    return {
      sleepMs: connecting ? Infinity : backoffWaitMs,
      unreachable: !connecting,
    };
  }

  #rebootstrapping(): boolean {
    return this.#options.metadataRecoveryStrategy === "rebootstrap";
  }

  #rebootstrap(nowMs: number, reason: string): void {
    this.#metadata.rebootstrap();
    this.#wantedSinceMs = nowMs;
    this.#retryAtMs = 0;
    this.#observer.rebootstrapped(reason);
  }

  #onResponse(response: MetadataResponse): void {
    const nowMs = Date.now();
    if (response.errorCode !== ErrorCode.NONE || response.brokers.length === 0) {
      // Not an answer to use: a top-level error (v13), or a broker still starting up.
      const error = new KafkaBrokerError(response.errorCode, "Metadata");
      if (response.errorCode === ErrorCode.REBOOTSTRAP_REQUIRED && this.#rebootstrapping()) {
        this.#observer.metadataFailed(error);
        this.#rebootstrap(nowMs, "the broker asked for it (REBOOTSTRAP_REQUIRED)");
        return;
      }
      this.#onFailure(error);
      return;
    }
    const changed = this.#metadata.update(response, nowMs);
    this.#failures = 0;
    this.#wantedSinceMs = null;
    this.#unchanged = changed ? 0 : this.#unchanged + 1;
    this.#retryAtMs = nowMs + this.#backoff(Math.max(1, this.#unchanged));
    this.#observer.metadataUpdated(response.brokers.length, response.topics.map((t) => t.name));
  }

  #onFailure(error: Error): void {
    this.#observer.metadataFailed(error);
    this.#metadata.noteFailure(error);
    this.#failures++;
    this.#unchanged = 0;
    this.#retryAtMs = Date.now() + this.#backoff(this.#failures);
  }

  /**
   * A connection failed or was lost: it may have been to a partition's leader, which metadata
   * then names wrongly. A refresh is asked for; as in the Java client, a failure while a refresh
   * was due counts as a failed refresh, so that the next one backs off.
   */
  #onNodeFailure(error: Error): void {
    this.#metadata.noteFailure(error);
    const nowMs = Date.now();
    if (
      !this.#inFlight && this.#metadata.timeToNextUpdate(nowMs) === 0 && nowMs >= this.#retryAtMs
    ) {
      this.#failures++;
      this.#retryAtMs = nowMs + this.#backoff(this.#failures);
    }
    this.#metadata.requestUpdate();
  }

  #backoff(attempt: number): number {
    return backoffMs(attempt, this.#options.retryBackoffMs, this.#options.retryBackoffMaxMs);
  }
}
