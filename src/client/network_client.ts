/**
 * Connections to the cluster's brokers, one per node, opened on demand and reopened after a
 * failure with exponential backoff. Nothing here blocks: `isReady` starts a connection when
 * there is none and reports readiness; the owner is told through `onChange` when one opens or
 * fails, so its loop can look again.
 *
 * A failed authentication (SASL refused, TLS certificate not trusted) is fatal: no connection is
 * tried again, and the owner hears of it once through `onFatal`. Retrying the same credentials
 * would only hammer the broker.
 *
 * A failed connection attempt or a lost connection is also told to the listeners added with
 * `onNodeFailure` (the metadata updater: a broker that went away may no longer lead anything).
 *
 * @module
 */

import { firstToSucceed } from "../async.ts";
import { backoffMs } from "../backoff.ts";
import { AuthenticationError, ConnectionError, KafkaEdgeError } from "../errors.ts";
import type { Endpoint, Transport } from "../transport/transport.ts";
import { CONNECTION_ATTEMPT_DELAY_MS } from "./bootstrap.ts";
import { Connection, type ConnectionOptions, type RequestOutcome } from "./connection.ts";

/** Settings of a {@link NetworkClient}. */
export interface NetworkClientOptions extends ConnectionOptions {
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  connectionSetupTimeoutMs: number;
}

/** Hears what happens to connections and requests (metrics, events, logs). */
export interface NetworkObserver {
  connected(nodeId: number, endpoint: Endpoint): void;
  connectFailed(nodeId: number, endpoint: Endpoint, error: Error): void;
  /** `byClient`: closed by this side (shutdown, a broker's address changed). */
  disconnected(nodeId: number, endpoint: Endpoint, error: Error, byClient: boolean): void;
  requestDone(nodeId: number, endpoint: Endpoint, outcome: RequestOutcome): void;
}

interface NodeState {
  endpoint: Endpoint;
  connection: Connection | null;
  /** The connection attempt under way, if any. */
  attempt: Promise<void> | null;
  /** When the last attempt started. */
  attemptStartedMs: number;
  failures: number;
  /** No new attempt before this time. */
  retryAtMs: number;
  /** This side closed the connection (not a failure worth a warning). */
  closedByClient: boolean;
}

/** One connection per broker node. */
export class NetworkClient {
  readonly #transport: Transport;
  readonly #options: NetworkClientOptions;
  readonly #onChange: () => void;
  readonly #onFatal: (error: AuthenticationError) => void;
  readonly #observer: NetworkObserver | null;
  readonly #nodes = new Map<number, NodeState>();
  readonly #failureListeners: ((nodeId: number, error: Error) => void)[] = [];
  #closed = false;
  #fatalError: AuthenticationError | null = null;

  constructor(
    transport: Transport,
    options: NetworkClientOptions,
    onChange: () => void,
    onFatal: (error: AuthenticationError) => void = () => {},
    observer: NetworkObserver | null = null,
  ) {
    this.#transport = transport;
    this.#options = options;
    this.#onChange = onChange;
    this.#onFatal = onFatal;
    this.#observer = observer;
  }

  /**
   * Calls `listener` whenever a connection attempt fails or an open connection is lost (not when
   * this side closed it).
   */
  onNodeFailure(listener: (nodeId: number, error: Error) => void): void {
    this.#failureListeners.push(listener);
  }

  /** The authentication failure that stopped this client, if one did. */
  get fatalError(): AuthenticationError | null {
    return this.#fatalError;
  }

  /** Requests sent and not yet answered, over every connection. */
  get inFlightCount(): number {
    let count = 0;
    for (const state of this.#nodes.values()) {
      if (state.connection?.isOpen) count += state.connection.inFlightCount;
    }
    return count;
  }

  /** Open connections. */
  get connectionCount(): number {
    let count = 0;
    for (const state of this.#nodes.values()) if (state.connection?.isOpen) count++;
    return count;
  }

  /**
   * Whether `nodeId` has an open connection with fewer than `maxInFlight` requests in flight.
   * Starts connecting when there is no connection and the backoff allows.
   */
  isReady(nodeId: number, endpoint: Endpoint, maxInFlight: number, nowMs: number): boolean {
    const state = this.#state(nodeId, endpoint);
    const connection = state.connection;
    if (connection?.isOpen) return connection.isReady && connection.inFlightCount < maxInFlight;
    if (!state.attempt && nowMs >= state.retryAtMs && !this.#fatalError) {
      state.attemptStartedMs = nowMs;
      state.attempt = this.#connect(nodeId, state);
    }
    return false;
  }

  /** How long the connection attempt to `nodeId` has been under way; undefined if none is. */
  attemptAgeMs(nodeId: number, nowMs: number): number | undefined {
    const state = this.#nodes.get(nodeId);
    return state?.attempt ? nowMs - state.attemptStartedMs : undefined;
  }

  /** The open connection to a node, if any. */
  connection(nodeId: number): Connection | undefined {
    const connection = this.#nodes.get(nodeId)?.connection;
    return connection?.isOpen ? connection : undefined;
  }

  /** Milliseconds until a connection attempt to `nodeId` may start; Infinity while one runs. */
  connectionDelay(nodeId: number, nowMs: number): number {
    const state = this.#nodes.get(nodeId);
    if (this.#fatalError) return Infinity;
    if (!state) return 0;
    if (state.attempt || state.connection?.isOpen) return Infinity;
    return Math.max(0, state.retryAtMs - nowMs);
  }

  /** Some node with an open connection and room for a request, preferring the least busy. */
  leastLoadedNode(maxInFlight: number): number | undefined {
    let best: number | undefined;
    let bestLoad = Infinity;
    for (const [nodeId, state] of this.#nodes) {
      const load = state.connection?.isReady ? state.connection.inFlightCount : Infinity;
      if (load < maxInFlight && load < bestLoad) {
        best = nodeId;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Closes every connection; requests in flight reject. */
  close(): void {
    this.#closed = true;
    for (const state of this.#nodes.values()) state.connection?.close();
    this.#nodes.clear();
  }

  #state(nodeId: number, endpoint: Endpoint): NodeState {
    let state = this.#nodes.get(nodeId);
    if (state && (state.endpoint.host !== endpoint.host || state.endpoint.port !== endpoint.port)) {
      state.closedByClient = true;
      state.connection?.close();
      state = undefined;
    }
    if (!state) {
      state = {
        endpoint,
        connection: null,
        attempt: null,
        attemptStartedMs: 0,
        failures: 0,
        retryAtMs: 0,
        closedByClient: false,
      };
      this.#nodes.set(nodeId, state);
    }
    return state;
  }

  /**
   * An open connection to a node, connecting now if there is none (whatever the backoff), for
   * requests outside the sender's loop (transaction coordinators). Rejects if it cannot connect.
   */
  async connectionTo(nodeId: number, endpoint: Endpoint): Promise<Connection> {
    if (this.#fatalError) throw this.#fatalError;
    // Not retriable: a transaction's request retried after close() must stop, not reconnect.
    if (this.#closed) throw new KafkaEdgeError("the client is closed");
    const state = this.#state(nodeId, endpoint);
    if (!state.connection?.isOpen) {
      if (!state.attempt) {
        state.attemptStartedMs = Date.now();
        state.attempt = this.#connect(nodeId, state);
      }
      await state.attempt;
    }
    if (this.#fatalError) throw this.#fatalError;
    if (!state.connection?.isOpen) {
      throw new ConnectionError(`cannot connect to ${endpoint.host}:${endpoint.port}`);
    }
    return state.connection;
  }

  /**
   * An open connection to any of `candidates`: one already open, else the first to connect of
   * attempts started one after another (each next one when the one before failed or has not
   * connected within {@link CONNECTION_ATTEMPT_DELAY_MS}). For requests outside the sender's
   * loop that any broker can answer (FindCoordinator). Rejects if none connects.
   */
  async connectionToAny(candidates: readonly [number, Endpoint][]): Promise<Connection> {
    for (const [id] of candidates) {
      const open = this.connection(id);
      if (open) return open;
    }
    try {
      return await firstToSucceed(
        candidates.map(([id, endpoint]) => () => this.connectionTo(id, endpoint)),
        CONNECTION_ATTEMPT_DELAY_MS,
        () => {}, // kept: this client owns its connections
        (error) => error instanceof AuthenticationError,
      );
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (this.#closed) throw new KafkaEdgeError("the client is closed", { cause: error });
      throw new ConnectionError("no broker reachable", { cause: error });
    }
  }

  async #connect(nodeId: number, state: NodeState): Promise<void> {
    const { host, port } = state.endpoint;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = this.#observer;
    const options = observer
      ? {
        ...this.#options,
        onRequestDone: (outcome: RequestOutcome) =>
          observer.requestDone(nodeId, state.endpoint, outcome),
      }
      : this.#options;
    const attempt = Connection.open(this.#transport, state.endpoint, options);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ConnectionError(
              `connecting to ${host}:${port} took longer than ${this.#options.connectionSetupTimeoutMs} ms`,
            ),
          ),
        this.#options.connectionSetupTimeoutMs,
      );
    });
    try {
      const connection = await Promise.race([attempt, timeout]);
      if (this.#closed || this.#nodes.get(nodeId) !== state) {
        connection.close();
        return;
      }
      state.connection = connection;
      state.failures = 0;
      connection.onClose = (error) => this.#onConnectionLost(nodeId, state, error);
      connection.onReauthenticated = () => this.#onChange();
      this.#observer?.connected(nodeId, state.endpoint);
    } catch (error) {
      attempt.then((late) => late.close(), () => {});
      this.#observer?.connectFailed(nodeId, state.endpoint, error as Error);
      if (error instanceof AuthenticationError) this.#fail(error);
      state.failures++;
      state.retryAtMs = Date.now() + this.#backoff(state.failures);
      if (!this.#closed && this.#nodes.get(nodeId) === state) {
        this.#tellFailure(nodeId, error as Error);
      }
    } finally {
      clearTimeout(timer);
      state.attempt = null;
      if (!this.#closed) this.#onChange();
    }
  }

  #onConnectionLost(nodeId: number, state: NodeState, error: Error): void {
    this.#observer?.disconnected(
      nodeId,
      state.endpoint,
      error,
      this.#closed || state.closedByClient,
    );
    if (error instanceof AuthenticationError) this.#fail(error); // re-authentication refused
    state.connection = null;
    state.failures++;
    state.retryAtMs = Date.now() + this.#backoff(state.failures);
    if (this.#closed) return;
    if (!state.closedByClient) this.#tellFailure(nodeId, error);
    this.#onChange();
  }

  #tellFailure(nodeId: number, error: Error): void {
    for (const listener of this.#failureListeners) listener(nodeId, error);
  }

  /** Stops connecting for good; closes every connection and tells the owner, once. */
  #fail(error: AuthenticationError): void {
    if (this.#fatalError || this.#closed) return;
    this.#fatalError = error;
    for (const state of this.#nodes.values()) state.connection?.close();
    this.#onFatal(error);
  }

  #backoff(failures: number): number {
    return backoffMs(
      failures,
      this.#options.reconnectBackoffMs,
      this.#options.reconnectBackoffMaxMs,
    );
  }
}
