/**
 * Keeps {@link ClusterMetadata} fresh: sends a Metadata request when one is due (requested, a
 * topic missing, or older than `metadataMaxAgeMs`), one at a time, to the least loaded broker
 * with a connection (connecting to the next candidate when there is none), and backs off after
 * a failure or an answer that still lacks something. Nothing here blocks: the owner's loop calls
 * {@link MetadataUpdater.poll} each turn and is woken when a response or failure comes in.
 *
 * @module
 */

import { backoffMs } from "../backoff.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import type { ClusterMetadata } from "./cluster_metadata.ts";
import type { NetworkClient } from "./network_client.ts";

/** Settings of a {@link MetadataUpdater}. */
export interface MetadataUpdaterOptions {
  allowAutoCreateTopics: boolean;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

/** Hears how metadata requests went (logs, events). */
export interface MetadataObserver {
  metadataUpdated(brokerCount: number, topics: readonly string[]): void;
  metadataFailed(error: Error): void;
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
  #retryAtMs = 0;
  #failures = 0;
  /** Where the search for a node to connect to resumes (round robin over the candidates). */
  #nextCandidate = 0;

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
  }

  /** Sends a Metadata request when one is due; returns how long until it needs attention. */
  poll(nowMs: number): number {
    const due = this.#metadata.timeToNextUpdate(nowMs);
    if (due > 0) return due;
    if (this.#inFlight) return Infinity; // its response wakes the loop
    if (nowMs < this.#retryAtMs) return this.#retryAtMs - nowMs;
    const target = this.leastLoadedNode(nowMs);
    if ("sleepMs" in target) return target.sleepMs;

    this.#inFlight = true;
    this.#network.connection(target.node)!.request(Metadata, {
      topics: this.#metadata.wantedTopics(),
      allowAutoTopicCreation: this.#options.allowAutoCreateTopics,
    }).then(
      (response) => {
        this.#failures = 0;
        this.#metadata.update(response, Date.now());
        this.#observer.metadataUpdated(response.brokers.length, response.topics.map((t) => t.name));
        if (this.#metadata.timeToNextUpdate(Date.now()) === 0) {
          // Something is still missing (a new topic, a leader): ask again after a backoff.
          this.#retryAtMs = Date.now() + this.#backoff(1);
        }
      },
      (error) => {
        this.#observer.metadataFailed(error);
        this.#failures++;
        this.#retryAtMs = Date.now() + this.#backoff(this.#failures);
      },
    ).finally(() => {
      this.#inFlight = false;
      this.#wake();
    });
    return Infinity;
  }

  /**
   * A node with an open connection, for a request any broker can answer (Metadata,
   * InitProducerId). Without one, starts connecting to the next candidate that is not backing
   * off, and says how long to sleep meanwhile (Infinity: the connection's outcome wakes the loop).
   */
  leastLoadedNode(nowMs: number): NodeChoice {
    const connected = this.#network.leastLoadedNode(Infinity);
    if (connected !== undefined) return { node: connected };
    const candidates = this.#metadata.nodeCandidates();
    let sleepMs = Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const index = (this.#nextCandidate + i) % candidates.length;
      const [id, endpoint] = candidates[index];
      const delay = this.#network.connectionDelay(id, nowMs);
      if (delay === Infinity) return { sleepMs: Infinity };
      if (delay === 0) {
        this.#nextCandidate = index + 1;
        this.#network.isReady(id, endpoint, Infinity, nowMs); // starts the connection
        return { sleepMs: Infinity };
      }
      sleepMs = Math.min(sleepMs, delay);
    }
    return { sleepMs };
  }

  #backoff(attempt: number): number {
    return backoffMs(attempt, this.#options.retryBackoffMs, this.#options.retryBackoffMaxMs);
  }
}
