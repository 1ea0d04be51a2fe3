/**
 * Deno adapter: `Deno.connect`. `conn.write` may take only part of the bytes it is given, so the
 * rest stays in the send buffer and the next write resumes where the last one stopped.
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import { BufferedConnection } from "./buffered_connection.ts";
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

class DenoConnection extends BufferedConnection {
  readonly #conn: DenoConn;
  #writing = false;

  constructor(conn: DenoConn, events: TransportEvents) {
    super(events);
    this.#conn = conn;
    this.#readLoop();
  }

  protected flush(): void {
    if (!this.#writing) this.#writeLoop();
  }

  protected closeSocket(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.pending.size > 0 && !this.closed) {
        const written = await this.#conn.write(this.pending.peek());
        this.pending.consume(written);
      }
    } catch (error) {
      this.finish(new ConnectionError("socket write failed", { cause: error }));
    } finally {
      this.#writing = false;
      this.wakeDrainWaiters();
    }
  }

  async #readLoop(): Promise<void> {
    try {
      while (!this.closed) {
        const buffer = new Uint8Array(READ_SIZE);
        const read = await this.#conn.read(buffer);
        if (read === null) break;
        this.events.onData(buffer.subarray(0, read));
      }
      this.finish();
    } catch (error) {
      this.finish(
        this.closed ? undefined : new ConnectionError("socket read failed", { cause: error }),
      );
    }
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
