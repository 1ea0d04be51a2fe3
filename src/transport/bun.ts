/**
 * Bun adapter: `Bun.connect`, with its `tls` option for TLS. Bun's `socket.write` is unbuffered:
 * it returns how many bytes the kernel took (possibly 0) and keeps none of the rest, so the rest
 * stays in the send buffer and is written from the `drain` handler. A request's chunks are
 * copied into one reused staging buffer and written at once. The same holds for TLS
 * sockets, where the count is of plaintext bytes taken.
 *
 * @module
 */

import { Deferred } from "../async.ts";
import { ConnectionError, TlsError } from "../errors.ts";
import { BufferedConnection } from "./buffered_connection.ts";
import type {
  Endpoint,
  TlsOptions,
  Transport,
  TransportConnection,
  TransportEvents,
} from "./transport.ts";

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
  handshake(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
}

interface BunTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  rejectUnauthorized?: boolean;
}

interface BunRuntime {
  connect(
    options: { hostname: string; port: number; tls?: BunTlsOptions; socket: BunSocketHandlers },
  ): Promise<BunSocket>;
}

/** Bytes copied together for one socket write. */
const STAGING_SIZE = 256 * 1024;

class BunConnection extends BufferedConnection {
  #socket: BunSocket | null = null;
  /** Reused for every write (Bun's write copies into the kernel or takes nothing). */
  #staging: Uint8Array | null = null;
  /** Settled by Bun's `handshake` callback; `Bun.connect` resolves before the handshake. */
  readonly #handshake = new Deferred<void>();
  #handshakeDone = false;

  readonly handlers: BunSocketHandlers = {
    // Bun may reuse the chunk's memory after the callback returns: keep a copy.
    data: (_socket, data) => this.events.onData(data.slice()),
    drain: () => this.flush(),
    close: (_socket, error) => {
      this.#endHandshake(new TlsError("the connection closed during the TLS handshake"));
      this.finish(error && this.socketError("socket closed", error));
    },
    error: (_socket, error) => {
      this.#endHandshake(new TlsError(`TLS handshake failed: ${error.message}`, { cause: error }));
      this.finish(this.socketError("socket error", error));
    },
    // With rejectUnauthorized false, `success` is true and the error only informative.
    handshake: (_socket, success, authorizationError) =>
      this.#endHandshake(success ? undefined : handshakeError(authorizationError)),
  };

  constructor(events: TransportEvents, tls: boolean) {
    super(events, tls);
    // Without TLS nobody awaits the handshake: its rejection on close must not go unhandled.
    this.#handshake.promise.catch(() => {});
  }

  /** Resolves once the TLS handshake succeeded; rejects with a {@link TlsError}. */
  get handshakeDone(): Promise<void> {
    return this.#handshake.promise;
  }

  attach(socket: BunSocket): void {
    this.#socket = socket;
    socket.setNoDelay(true);
    this.flush();
  }

  /** Writes until the kernel takes less than offered; Bun's `drain` calls again. */
  protected flush(): void {
    if (!this.#socket) return; // not connected yet: attach() flushes
    while (this.pending.size > 0 && !this.closed) {
      // One write per staging buffer's worth: a write per chunk costs more than copying them.
      this.#staging ??= new Uint8Array(STAGING_SIZE);
      const chunk = this.pending.stage(this.#staging);
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

  #endHandshake(error?: Error): void {
    if (this.#handshakeDone) return;
    this.#handshakeDone = true;
    if (error) this.#handshake.reject(error);
    else this.#handshake.resolve();
  }
}

/**
 * Why Bun's handshake failed. Bun reports a connection the peer closed before any certificate came
 * (a plaintext listener, say) as a failed authorization with code ECONNRESET: say that, not that a
 * certificate was refused.
 */
function handshakeError(error: Error | null): TlsError {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error?.message ?? "unknown";
  if (code === "ECONNRESET") {
    return new TlsError(
      `the broker closed the connection during the TLS handshake, before sending a certificate ` +
        `(is it a TLS listener?): ${detail}`,
      { cause: error },
    );
  }
  return new TlsError(`the broker's certificate was refused: ${detail}`, { cause: error });
}

function bunTlsOptions(tls: TlsOptions): BunTlsOptions {
  return {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    serverName: tls.servername,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

/** Connections through `Bun.connect`. */
export const bunTransport: Transport = {
  name: "bun",
  async connect(
    endpoint: Endpoint,
    events: TransportEvents,
    tls?: TlsOptions,
  ): Promise<TransportConnection> {
    const bun = (globalThis as unknown as { Bun: BunRuntime }).Bun;
    const connection = new BunConnection(events, tls !== undefined);
    let socket: BunSocket;
    try {
      socket = await bun.connect({
        hostname: endpoint.host,
        port: endpoint.port,
        ...(tls ? { tls: bunTlsOptions(tls) } : {}),
        socket: connection.handlers,
      });
    } catch (error) {
      throw new ConnectionError(`cannot connect to ${endpoint.host}:${endpoint.port}`, {
        cause: error,
      });
    }
    if (tls) {
      try {
        await connection.handshakeDone;
      } catch (error) {
        socket.end();
        throw error;
      }
    }
    connection.attach(socket);
    return connection;
  },
};
