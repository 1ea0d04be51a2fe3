/**
 * The thin interface between the runtime-agnostic core and a runtime's sockets.
 *
 * An adapter accepts every byte handed to `write` at once and never blocks: it writes what the
 * socket takes now, keeps the rest in a {@link SendBuffer}, and resumes when the socket drains.
 * Callers that want backpressure watch `pendingBytes` and await `drained()`.
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

/** Callbacks an adapter calls, always from the event loop, never re-entrantly from `write`. */
export interface TransportEvents {
  /** Bytes arrived. The array is the receiver's to keep. */
  onData(chunk: Uint8Array): void;
  /** The connection ended; `error` is set unless it was closed by `close()` or cleanly by the peer. */
  onClose(error?: Error): void;
}

/** An open connection. */
export interface TransportConnection {
  /** Queues bytes for sending; returns at once. The array must not be changed afterwards. */
  write(bytes: Uint8Array): void;
  /** Bytes accepted by `write` that the socket has not taken yet. */
  readonly pendingBytes: number;
  /** Resolves once every queued byte has been handed to the socket. */
  drained(): Promise<void>;
  /** Closes the connection; `onClose` follows without an error. Idempotent. */
  close(): void;
}

/**
 * A runtime's way of opening connections. The producer picks Deno's, Bun's or `node:net`'s
 * itself; pass one of your own as the `transport` setting to replace them.
 */
export interface Transport {
  /** Shown in errors and logs, e.g. "deno". */
  readonly name: string;
  /** Opens a TCP connection; rejects if it cannot be made. */
  connect(endpoint: Endpoint, events: TransportEvents): Promise<TransportConnection>;
}
