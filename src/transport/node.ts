/**
 * Node adapter: `node:net`, and `node:tls` for TLS. Node's `socket.write` never drops bytes but
 * queues them in memory when the kernel is full and returns false; writing more then would grow
 * that queue without bound. So Node gets a bounded amount at a time, the rest waits in the send
 * buffer, and each write's callback resumes. Node keeps what it was handed by reference (no
 * copy), so `drained()` waits for those callbacks too. A TLS socket is a `net.Socket` too and
 * behaves the same.
 *
 * @module
 */

import type { Socket } from "node:net";
import { ConnectionError, TlsError } from "../errors.ts";
import { BufferedConnection } from "./buffered_connection.ts";
import type {
  Endpoint,
  TlsOptions,
  Transport,
  TransportConnection,
  TransportEvents,
} from "./transport.ts";

/** Most bytes handed to Node in one gathered write; the rest waits until it has finished. */
const FLUSH_BUDGET = 256 * 1024;

class NodeConnection extends BufferedConnection {
  readonly #socket: Socket;
  /** Chunks handed to Node whose write has not finished: Node holds them by reference. */
  #unfinished = 0;
  readonly #finished = () => {
    if (--this.#unfinished > 0) return;
    if (this.pending.size > 0) this.flush();
    else this.wakeDrainWaiters();
  };

  constructor(socket: Socket, events: TransportEvents, tls: boolean) {
    super(events, tls);
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => events.onData(chunk));
    socket.on(
      "error",
      (error) => this.finish(this.socketError("socket error", error)),
    );
    socket.on("close", () => this.finish());
  }

  protected override get socketHoldsBytes(): boolean {
    return this.#unfinished > 0;
  }

  /**
   * Hands Node up to FLUSH_BUDGET bytes of chunks, corked: one gathered write (writev), no copy.
   * Nothing more until Node has finished them (its callbacks flush again), so Node never holds
   * more than that in memory, however slow the socket.
   */
  protected flush(): void {
    if (this.#unfinished > 0 || this.closed) return;
    this.#socket.cork();
    let budget = FLUSH_BUDGET;
    while (this.pending.size > 0 && budget > 0) {
      const chunk = this.pending.next(budget);
      this.pending.consume(chunk.length);
      budget -= chunk.length;
      this.#unfinished++;
      this.#socket.write(chunk, this.#finished);
    }
    this.#socket.uncork();
  }

  protected closeSocket(): void {
    this.#socket.destroy();
  }
}

/**
 * `node:net` and `node:tls` are loaded on first use, by specifiers held in variables, so that
 * bundles for runtimes without them (Cloudflare Workers) neither need them nor fail to load for
 * want of them.
 */
const NET_MODULE = "node:net";
const TLS_MODULE = "node:tls";
let net: Promise<typeof import("node:net")> | undefined;
let tlsModule: Promise<typeof import("node:tls")> | undefined;

async function openSocket(endpoint: Endpoint, tls: TlsOptions | undefined): Promise<Socket> {
  const { host, port } = endpoint;
  if (!tls) {
    net ??= import(NET_MODULE);
    return (await net).createConnection({ host, port, noDelay: true });
  }
  tlsModule ??= import(TLS_MODULE);
  const socket = (await tlsModule).connect({
    host,
    port,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    servername: tls.servername,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  });
  return socket.setNoDelay(true);
}

/** Connections through `node:net` and `node:tls` (Node, and any runtime that provides them). */
export const nodeTransport: Transport = {
  name: "node",
  async connect(
    endpoint: Endpoint,
    events: TransportEvents,
    tls?: TlsOptions,
  ): Promise<TransportConnection> {
    const socket = await openSocket(endpoint, tls);
    return new Promise((resolve, reject) => {
      let tcpConnected = false;
      // A failure once TCP is up can only be the TLS handshake's.
      const onError = (error: Error) => {
        socket.destroy();
        reject(
          tcpConnected
            ? new TlsError(`TLS handshake failed: ${error.message}`, { cause: error })
            : new ConnectionError("cannot connect", { cause: error }),
        );
      };
      const onClose = () => onError(new Error("the connection closed during the TLS handshake"));
      socket.once("error", onError);
      socket.once("connect", () => {
        tcpConnected = true;
        if (!tls) ready();
        else socket.once("close", onClose);
      });
      if (tls) socket.once("secureConnect", ready);
      function ready() {
        socket.off("error", onError);
        socket.off("close", onClose);
        resolve(new NodeConnection(socket, events, tls !== undefined));
      }
    });
  },
};
