/**
 * Deno adapter: `Deno.connect`. `conn.write` may take only part of the bytes it is given, so the
 * rest stays in the send buffer and the next write resumes where the last one stopped.
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import { SendBuffer } from "./send_buffer.ts";
import type { Endpoint, Transport, TransportConnection, TransportEvents } from "./transport.ts";

const READ_SIZE = 64 * 1024;

/** The part of Deno's API this adapter uses, declared here so other runtimes' builds type-check. */
interface DenoConn {
  write(bytes: Uint8Array): Promise<number>;
  read(buffer: Uint8Array): Promise<number | null>;
  close(): void;
  setNoDelay(noDelay: boolean): void;
}

interface DenoRuntime {
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
}

class DenoConnection implements TransportConnection {
  readonly #conn: DenoConn;
  readonly #events: TransportEvents;
  readonly #pending = new SendBuffer();
  #writing = false;
  #closed = false;
  #drainWaiters: (() => void)[] = [];

  constructor(conn: DenoConn, events: TransportEvents) {
    this.#conn = conn;
    this.#events = events;
    this.#readLoop();
  }

  get pendingBytes(): number {
    return this.#pending.size;
  }

  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#pending.push(bytes);
    if (!this.#writing) this.#writeLoop();
  }

  drained(): Promise<void> {
    if (this.#pending.size === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  close(): void {
    this.#finish();
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#pending.size > 0 && !this.#closed) {
        const written = await this.#conn.write(this.#pending.peek());
        this.#pending.consume(written);
      }
    } catch (error) {
      this.#finish(new ConnectionError("socket write failed", { cause: error }));
    } finally {
      this.#writing = false;
      this.#wakeDrainWaiters();
    }
  }

  async #readLoop(): Promise<void> {
    try {
      while (!this.#closed) {
        const buffer = new Uint8Array(READ_SIZE);
        const read = await this.#conn.read(buffer);
        if (read === null) break;
        this.#events.onData(buffer.subarray(0, read));
      }
      this.#finish();
    } catch (error) {
      this.#finish(
        this.#closed ? undefined : new ConnectionError("socket read failed", { cause: error }),
      );
    }
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
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
    this.#wakeDrainWaiters();
    this.#events.onClose(error);
  }
}

/** Connections through `Deno.connect`. */
export const denoTransport: Transport = {
  name: "deno",
  async connect(endpoint: Endpoint, events: TransportEvents): Promise<TransportConnection> {
    const deno = (globalThis as unknown as { Deno: DenoRuntime }).Deno;
    let conn: DenoConn;
    try {
      conn = await deno.connect({ hostname: endpoint.host, port: endpoint.port });
    } catch (error) {
      throw new ConnectionError(`cannot connect to ${endpoint.host}:${endpoint.port}`, {
        cause: error,
      });
    }
    conn.setNoDelay(true);
    return new DenoConnection(conn, events);
  },
};
