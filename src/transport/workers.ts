/**
 * Cloudflare Workers adapter: `connect()` from `cloudflare:sockets`. A socket there is a pair of
 * web streams: bytes are written one chunk at a time through the writable's writer (each write
 * awaited, the rest waiting in the send buffer) and read from the readable's reader.
 *
 * Workers' rules that shape its use: a socket cannot be opened in global scope, and it belongs to
 * the request (or Durable Object) that opened it, so a producer lives inside one of those.
 *
 * @module
 */

import { ConnectionError, TlsError } from "../errors.ts";
import { BufferedConnection } from "./buffered_connection.ts";
import type {
  Endpoint,
  TlsOptions,
  Transport,
  TransportConnection,
  TransportEvents,
} from "./transport.ts";

/**
 * Largest single write. In production a write over 65,536 bytes destroys the connection while
 * its promise still resolves (cloudflare/workerd#7074), so larger batches go in pieces.
 */
const MAX_WRITE = 64 * 1024;

/** The part of `cloudflare:sockets` this adapter uses (Workers' types are not a dependency). */
interface WorkersSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

interface WorkersSockets {
  connect(
    address: { hostname: string; port: number },
    options: { allowHalfOpen: boolean; secureTransport: "off" | "on" },
  ): WorkersSocket;
}

/**
 * Held in a variable so that type checkers and bundlers for the other runtimes do not try to
 * resolve it; workerd provides the module at run time.
 */
const SOCKETS_MODULE = "cloudflare:sockets";
let sockets: Promise<WorkersSockets> | undefined;

class WorkersConnection extends BufferedConnection {
  readonly #socket: WorkersSocket;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #writing = false;

  constructor(socket: WorkersSocket, events: TransportEvents, tls: boolean) {
    super(events, tls);
    this.#socket = socket;
    this.#writer = socket.writable.getWriter();
    this.#readLoop();
  }

  protected flush(): void {
    if (!this.#writing) this.#writeLoop();
  }

  protected closeSocket(): void {
    // Failures to close surface as the end of the read loop, which `finish` already handled.
    this.#socket.close().catch(() => {});
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.pending.size > 0 && !this.closed) {
        const chunk = this.pending.peek(MAX_WRITE);
        await this.#writer.write(chunk);
        this.pending.consume(chunk.length);
      }
    } catch (error) {
      this.finish(new ConnectionError("socket write failed", { cause: error }));
    } finally {
      this.#writing = false;
      this.wakeDrainWaiters();
    }
  }

  async #readLoop(): Promise<void> {
    const reader = this.#socket.readable.getReader();
    try {
      while (!this.closed) {
        const { done, value } = await reader.read();
        if (done) break;
        this.events.onData(value);
      }
      this.finish();
    } catch (error) {
      this.finish(
        this.closed ? undefined : new ConnectionError("socket read failed", { cause: error }),
      );
    }
  }
}

/** Connections through `connect()` from `cloudflare:sockets` (Cloudflare Workers, workerd). */
export const workersTransport: Transport = {
  name: "workers",
  async connect(
    endpoint: Endpoint,
    events: TransportEvents,
    tls?: TlsOptions,
  ): Promise<TransportConnection> {
    // Workers verify the broker against the platform's public trust store, by its host name;
    // there is no way to pass a CA, a client certificate or to skip verification.
    if (
      tls && (tls.ca || tls.cert || tls.key || tls.servername || tls.rejectUnauthorized === false)
    ) {
      throw new TlsError(
        "on Cloudflare Workers, TLS uses the platform's trust store only: ssl.ca, cert, key, " +
          "servername and rejectUnauthorized: false cannot be honoured",
      );
    }
    sockets ??= import(SOCKETS_MODULE);
    const { connect } = await sockets;
    let socket: WorkersSocket;
    try {
      socket = connect({ hostname: endpoint.host, port: endpoint.port }, {
        allowHalfOpen: false,
        secureTransport: tls ? "on" : "off",
      });
      // Errors reach the reader and the writer; `closed` would only repeat them, unobserved.
      socket.closed.catch(() => {});
      await socket.opened;
    } catch (error) {
      throw new ConnectionError(`cannot connect to ${endpoint.host}:${endpoint.port}`, {
        cause: error,
      });
    }
    return new WorkersConnection(socket, events, tls !== undefined);
  },
};
