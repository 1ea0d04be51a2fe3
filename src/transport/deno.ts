/**
 * Deno adapter: `Deno.connect`, or `Deno.connectTls` for TLS. `conn.write` may take only part of
 * the bytes it is given, so the rest stays in the send buffer and the next write resumes where
 * the last one stopped. A request's chunks are copied into one reused staging buffer per write.
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

const READ_SIZE = 64 * 1024;
/** Bytes copied together for one socket write. */
const STAGING_SIZE = 256 * 1024;

/** The part of Deno's API this adapter uses, declared here so other runtimes' builds type-check. */
interface DenoConn {
  write(bytes: Uint8Array): Promise<number>;
  read(buffer: Uint8Array): Promise<number | null>;
  close(): void;
}

interface DenoTcpConn extends DenoConn {
  setNoDelay(noDelay: boolean): void;
}

interface DenoTlsConn extends DenoConn {
  handshake(): Promise<unknown>;
}

interface DenoRuntime {
  connect(options: { hostname: string; port: number }): Promise<DenoTcpConn>;
  connectTls(options: {
    hostname: string;
    port: number;
    caCerts?: string[];
    cert?: string;
    key?: string;
  }): Promise<DenoTlsConn>;
}

class DenoConnection extends BufferedConnection {
  readonly #conn: DenoConn;
  #writing = false;
  /** Reused for every write, once the previous one has resolved. */
  #staging: Uint8Array | null = null;

  constructor(conn: DenoConn, events: TransportEvents, tls: boolean) {
    super(events, tls);
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
        // One write per staging buffer's worth: in Deno a write per chunk, or a new array per
        // write, costs more than copying the chunks into one reused buffer.
        this.#staging ??= new Uint8Array(STAGING_SIZE);
        const written = await this.#conn.write(this.pending.stage(this.#staging));
        this.pending.consume(written);
      }
    } catch (error) {
      this.finish(this.socketError("socket write failed", error));
    } finally {
      this.#writing = false;
      this.wakeDrainWaiters();
    }
  }

  async #readLoop(): Promise<void> {
    try {
      // One read buffer, and a copy of what each read got: responses are small, and a new
      // 64 KiB array per read was most of what a producer allocated outside its batches.
      const buffer = new Uint8Array(READ_SIZE);
      while (!this.closed) {
        const read = await this.#conn.read(buffer);
        if (read === null) break;
        this.events.onData(buffer.slice(0, read));
      }
      this.finish();
    } catch (error) {
      this.finish(
        this.closed ? undefined : this.socketError("socket read failed", error),
      );
    }
  }
}

/**
 * A TLS connection, its handshake done. `Deno.connectTls` checks the certificate against the host
 * it connects to and cannot skip verification: other `servername`s and `rejectUnauthorized:
 * false` are refused rather than ignored.
 */
async function connectTls(deno: DenoRuntime, endpoint: Endpoint, tls: TlsOptions) {
  if (tls.rejectUnauthorized === false) {
    throw new TlsError("rejectUnauthorized: false is not supported by Deno.connectTls");
  }
  if (tls.servername !== undefined && tls.servername !== endpoint.host) {
    throw new TlsError(
      `servername "${tls.servername}": Deno.connectTls verifies the host it connects to ` +
        `(${endpoint.host}) and takes no other name`,
    );
  }
  const conn = await deno.connectTls({
    hostname: endpoint.host,
    port: endpoint.port,
    ...(tls.ca === undefined ? {} : { caCerts: [tls.ca] }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }),
  }).catch((error) => {
    const where = `${endpoint.host}:${endpoint.port}`;
    if (isCertificateProblem(error)) {
      throw new TlsError(`cannot use the TLS settings for ${where}: ${error.message}`, {
        cause: error,
      });
    }
    throw new ConnectionError(`cannot connect to ${where}`, { cause: error });
  });
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw new TlsError(
      `TLS handshake with ${endpoint.host}:${endpoint.port} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return conn;
}

/**
 * Whether `Deno.connectTls` refused before the handshake because of the certificates or key it was
 * given (rustls refuses an X.509 v1 client certificate with "UnsupportedCertVersion"; PEM it
 * cannot read is InvalidData): no retry would help. Network failures are Deno's other error
 * classes, or say nothing of certificates.
 */
function isCertificateProblem(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  return error.name === "InvalidData" || /certificate|private key/i.test(error.message);
}

/** Connections through `Deno.connect` and `Deno.connectTls`. */
export const denoTransport: Transport = {
  name: "deno",
  async connect(
    endpoint: Endpoint,
    events: TransportEvents,
    tls?: TlsOptions,
  ): Promise<TransportConnection> {
    const deno = (globalThis as unknown as { Deno: DenoRuntime }).Deno;
    let conn: DenoConn;
    if (tls) {
      conn = await connectTls(deno, endpoint, tls);
    } else {
      try {
        const tcp = await deno.connect({ hostname: endpoint.host, port: endpoint.port });
        tcp.setNoDelay(true);
        conn = tcp;
      } catch (error) {
        throw new ConnectionError(`cannot connect to ${endpoint.host}:${endpoint.port}`, {
          cause: error,
        });
      }
    }
    return new DenoConnection(conn, events, tls !== undefined);
  },
};
