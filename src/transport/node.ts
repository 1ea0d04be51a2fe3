/**
 * Node adapter: `node:net`. Node's `socket.write` never drops bytes but queues them in memory
 * when the kernel is full and returns false; writing more then would grow that queue without
 * bound. So bytes go to the socket only while it accepts them, the rest waits in the send
 * buffer, and `'drain'` resumes.
 *
 * @module
 */

import type { Socket } from "node:net";
import { ConnectionError } from "../errors.ts";
import { BufferedConnection } from "./buffered_connection.ts";
import type { Endpoint, Transport, TransportConnection, TransportEvents } from "./transport.ts";

class NodeConnection extends BufferedConnection {
  readonly #socket: Socket;
  #blocked = false;

  constructor(socket: Socket, events: TransportEvents) {
    super(events);
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => events.onData(chunk));
    socket.on("drain", () => {
      this.#blocked = false;
      this.flush();
    });
    socket.on(
      "error",
      (error) => this.finish(new ConnectionError("socket error", { cause: error })),
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
 * `node:net` is loaded on first use, by a specifier held in a variable, so that bundles for
 * runtimes without it (Cloudflare Workers) neither need it nor fail to load for want of it.
 */
const NET_MODULE = "node:net";
let net: Promise<typeof import("node:net")> | undefined;

/** Connections through `node:net` (Node, and any runtime that provides it). */
export const nodeTransport: Transport = {
  name: "node",
  async connect(endpoint: Endpoint, events: TransportEvents): Promise<TransportConnection> {
    net ??= import(NET_MODULE);
    const { createConnection } = await net;
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: endpoint.host, port: endpoint.port, noDelay: true });
      const onError = (error: Error) =>
        reject(new ConnectionError("cannot connect", { cause: error }));
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        resolve(new NodeConnection(socket, events));
      });
    });
  },
};
