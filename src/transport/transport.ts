/**
 * The thin interface between the runtime-agnostic core and a runtime's sockets.
 *
 * An adapter accepts every byte handed to `write` at once and never blocks: it writes what the
 * socket takes now, keeps the rest in a {@link SendBuffer}, and resumes when the socket drains.
 * Callers that want backpressure watch `pendingBytes` and await `drained()`.
 *
 * A request comes as a list of chunks (its header, then its record batches as they are), which
 * the adapter keeps by reference until the socket has them: an adapter writes them gathered
 * (Node) or copies them into one reused staging buffer per write (Deno, Bun, where a write per
 * chunk costs more than the copy), but never keeps a reference once `drained()` has resolved.
 *
 * @module
 */

/** Where to connect. */
export interface Endpoint {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
}

/** TLS settings of a connection (PEM strings). */
export interface TlsOptions {
  /** Certificates of the CAs to trust, instead of (Node, Bun) or besides (Deno) the defaults. */
  ca?: string;
  /** Client certificate chain, for brokers that want mutual TLS; needs `key`. */
  cert?: string;
  /** The client certificate's private key. */
  key?: string;
  /** The name the broker's certificate must carry, when not the host connected to. */
  servername?: string;
  /** Whether an untrusted certificate ends the connection. Default true. */
  rejectUnauthorized?: boolean;
}

/**
 * Callbacks an adapter calls from the event loop. `onData` never comes from inside `write`;
 * `onClose` may, when the write finds the socket closed (Bun's `write` reports it at once).
 */
export interface TransportEvents {
  /** Bytes arrived. The array is the receiver's to keep. */
  onData(chunk: Uint8Array): void;
  /** The connection ended; `error` is set unless it was closed by `close()` or cleanly by the peer. */
  onClose(error?: Error): void;
}

/** An open connection. */
export interface TransportConnection {
  /**
   * Queues a request's bytes, in order, for sending; returns at once. The arrays must not change
   * until `drained()` resolves, the request is answered, or the connection is closed.
   */
  write(chunks: readonly Uint8Array[]): void;
  /** Bytes accepted by `write` that the socket has not taken yet. */
  readonly pendingBytes: number;
  /** Resolves once every queued byte has been handed to the socket. */
  drained(): Promise<void>;
  /** Closes the connection; `onClose` follows without an error. Idempotent. */
  close(): void;
}

/** A runtime's way of opening connections. */
export interface Transport {
  /** Shown in errors and logs, e.g. "deno". */
  readonly name: string;
  /**
   * Opens a connection; with `tls`, resolves once the TLS handshake is done. A handshake that
   * fails (the broker's certificate is not trusted, say) rejects with a `TlsError`.
   */
  connect(
    endpoint: Endpoint,
    events: TransportEvents,
    tls?: TlsOptions,
  ): Promise<TransportConnection>;
}
