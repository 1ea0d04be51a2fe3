/**
 * Bun adapter: `Bun.connect`. Bun's `socket.write` is unbuffered: it returns how many bytes the
 * kernel took (possibly 0) and keeps none of the rest, so the rest stays in the send buffer and
 * is written from the `drain` handler.
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import { SendBuffer } from "./send_buffer.ts";
import type { Endpoint, Transport, TransportConnection, TransportEvents } from "./transport.ts";

/** The part of Bun's socket API this adapter uses (Bun's own types are not a dependency). */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay(noDelay: boolean): void;
}

interface BunSocketHandlers {
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}

interface BunRuntime {
  connect(
    options: { hostname: string; port: number; socket: BunSocketHandlers },
  ): Promise<BunSocket>;
}

class BunConnection implements TransportConnection {
  readonly #events: TransportEvents;
  readonly #pending = new SendBuffer();
  #socket: BunSocket | null = null;
  #closed = false;
  #drainWaiters: (() => void)[] = [];

  constructor(events: TransportEvents) {
    this.#events = events;
  }

  readonly handlers: BunSocketHandlers = {
    // Bun may reuse the chunk's memory after the callback returns: keep a copy.
    data: (_socket, data) => this.#events.onData(data.slice()),
    drain: () => this.#flush(),
    close: (_socket, error) =>
      this.#finish(error && new ConnectionError("socket closed", { cause: error })),
    error: (_socket, error) => this.#finish(new ConnectionError("socket error", { cause: error })),
  };

  attach(socket: BunSocket): void {
    this.#socket = socket;
    socket.setNoDelay(true);
  }

  get pendingBytes(): number {
    return this.#pending.size;
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    const idle = this.#pending.size === 0;
    this.#pending.push(bytes);
    if (idle) this.#flush();
  }

  drained(): Promise<void> {
    if (this.#pending.size === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  close(): void {
    this.#finish();
  }

  /** Writes until the kernel takes less than offered; `drain` calls again. */
  #flush(): void {
    while (this.#pending.size > 0 && !this.#closed) {
      const chunk = this.#pending.peek();
      const written = this.#socket!.write(chunk);
      if (written < 0) {
        this.#finish(new ConnectionError("socket closed while writing"));
        return;
      }
      this.#pending.consume(written);
      if (written < chunk.length) return;
    }
    this.#wakeDrainWaiters();
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.clear();
    this.#socket?.end();
    this.#wakeDrainWaiters();
    this.#events.onClose(error);
  }
}

/** Connections through `Bun.connect`. */
export const bunTransport: Transport = {
  name: "bun",
  async connect(endpoint: Endpoint, events: TransportEvents): Promise<TransportConnection> {
    const bun = (globalThis as unknown as { Bun: BunRuntime }).Bun;
    const connection = new BunConnection(events);
    let socket: BunSocket;
    try {
      socket = await bun.connect({
        hostname: endpoint.host,
        port: endpoint.port,
        socket: connection.handlers,
      });
    } catch (error) {
      throw new ConnectionError(`cannot connect to ${endpoint.host}:${endpoint.port}`, {
        cause: error,
      });
    }
    connection.attach(socket);
    return connection;
  },
};
