/**
 * What every adapter shares: the retained send buffer, waiting for it to drain, and ending the
 * connection exactly once. An adapter only says how bytes reach its socket (`flush`) and how the
 * socket closes (`closeSocket`).
 *
 * @module
 */

import { ConnectionError, TlsError } from "../errors.ts";
import { SendBuffer } from "./send_buffer.ts";
import type { TransportConnection, TransportEvents } from "./transport.ts";

/** Base of the runtime adapters' connections. */
export abstract class BufferedConnection implements TransportConnection {
  /** Bytes accepted by `write` that the socket has not taken yet. */
  protected readonly pending = new SendBuffer();
  protected readonly events: TransportEvents;
  readonly #tls: boolean;
  #closed = false;
  #drainWaiters: (() => void)[] = [];

  constructor(events: TransportEvents, tls: boolean) {
    this.events = events;
    this.#tls = tls;
  }

  get pendingBytes(): number {
    return this.pending.size;
  }

  /** Whether the connection has ended. */
  protected get closed(): boolean {
    return this.#closed;
  }

  write(chunks: readonly Uint8Array[]): void {
    if (this.#closed) return;
    const idle = this.pending.size === 0;
    this.pending.push(chunks);
    // A non-empty buffer means a flush is already under way or waiting for the socket.
    if (idle) this.flush();
  }

  drained(): Promise<void> {
    if ((this.pending.size === 0 && !this.socketHoldsBytes) || this.#closed) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  close(): void {
    this.finish();
  }

  /**
   * Hands the socket as many pending bytes as it takes now and arranges to resume when it can
   * take more; calls `wakeDrainWaiters` once the buffer is empty.
   */
  protected abstract flush(): void;

  /**
   * Whether the socket still refers to bytes it was handed (Node's queues them by reference);
   * the adapter then wakes the drain waiters once it does not.
   */
  protected get socketHoldsBytes(): boolean {
    return false;
  }

  /** Closes the underlying socket; called once. */
  protected abstract closeSocket(): void;

  protected wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * The error for a socket that failed. A fatal alert from the broker's TLS means it refused the
   * session (with TLS 1.3 a missing or untrusted client certificate shows only after the
   * handshake): a {@link TlsError}, not a connection problem to retry.
   */
  protected socketError(what: string, cause: unknown): Error {
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (this.#tls && /alert/i.test(detail)) {
      return new TlsError(`the broker ended the TLS session (${detail})`, { cause });
    }
    return new ConnectionError(what, { cause });
  }

  /** Ends the connection once: drops unsent bytes, closes the socket, tells the owner. */
  protected finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pending.clear();
    this.closeSocket();
    this.wakeDrainWaiters();
    this.events.onClose(error);
  }
}
