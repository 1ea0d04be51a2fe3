/**
 * Node adapter: `node:net`, and `node:tls` for TLS. Node's `socket.write` never drops bytes but queues them in memory
 * when the kernel is full and returns false; writing more then would grow that queue without
 * bound. So bytes go to the socket only while it accepts them, the rest waits in the send
 * buffer, and `'drain'` resumes. A TLS socket is a `net.Socket` too and behaves the same.
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

class NodeConnection extends BufferedConnection {
  readonly #socket: Socket;
  #blocked = false;

  constructor(socket: Socket, events: TransportEvents, tls: boolean) {
    super(events, tls);
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => events.onData(chunk));
    socket.on("drain", () => {
      this.#blocked = false;
      this.flush();
    });
    socket.on(
      "error",
      (error) => this.finish(this.socketError("socket error", error)),
    );
    socket.on("close", () => this.finish());
  }

  protected flush(): void {
    while (this.pending.size > 0 && !this.closed && !this.#blocked) {
      const chunk = this.pending.peek();
      this.pending.consume(chunk.length);
      // false: Node queued the chunk in memory; hand it nothing more until 'drain'.
      this.#blocked = !this.#socket.write(chunk);
    }
    if (this.pending.size === 0) this.wakeDrainWaiters();
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
