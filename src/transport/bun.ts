/**
 * Bun adapter: `Bun.connect`. Bun's `socket.write` is unbuffered: it returns how many bytes the
 * kernel took (possibly 0) and keeps none of the rest, so the rest stays in the send buffer and
 * is written from the `drain` handler.
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import { BufferedConnection } from "./buffered_connection.ts";
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

class BunConnection extends BufferedConnection {
  #socket: BunSocket | null = null;

  readonly handlers: BunSocketHandlers = {
    // Bun may reuse the chunk's memory after the callback returns: keep a copy.
    data: (_socket, data) => this.events.onData(data.slice()),
    drain: () => this.flush(),
    close: (_socket, error) =>
      this.finish(error && new ConnectionError("socket closed", { cause: error })),
    error: (_socket, error) => this.finish(new ConnectionError("socket error", { cause: error })),
  };

  attach(socket: BunSocket): void {
    this.#socket = socket;
    socket.setNoDelay(true);
    this.flush();
  }

  /** Writes until the kernel takes less than offered; Bun's `drain` calls again. */
  protected flush(): void {
    if (!this.#socket) return; // not connected yet: attach() flushes
    while (this.pending.size > 0 && !this.closed) {
      const chunk = this.pending.peek();
      const written = this.#socket.write(chunk);
      if (written < 0) {
        this.finish(new ConnectionError("socket closed while writing"));
        return;
      }
      this.pending.consume(written);
      if (written < chunk.length) return;
    }
    this.wakeDrainWaiters();
  }

  protected closeSocket(): void {
    this.#socket?.end();
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
