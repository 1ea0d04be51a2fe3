/**
 * A bare Kafka client on one connection, over node:net with the proxy's codec: it sends any
 * request of wire_schemas.ts at any version and hands back the decoded response, so tests can
 * check exactly what a broker (or the fault proxy) answers.
 */

import { createConnection } from "node:net";
import { decodeResponse, encodeRequest, type Struct } from "./wire_codec.ts";
import { type ApiName, SCHEMAS } from "./wire_schemas.ts";

/** One open connection. */
export interface WireClient {
  /** Sends a request and resolves with its response's body; rejects if the connection ends. */
  request(api: ApiName, version: number, body: Struct): Promise<Struct>;
  /** Resolves when the connection closes (either side). */
  readonly closed: Promise<void>;
  close(): void;
}

/** Connects to "host:port". */
export async function connectWire(address: string): Promise<WireClient> {
  const colon = address.lastIndexOf(":");
  const socket = createConnection({
    host: address.slice(0, colon),
    port: Number(address.slice(colon + 1)),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const pending: {
    api: ApiName;
    version: number;
    resolve: (body: Struct) => void;
    reject: (error: Error) => void;
  }[] = [];
  let buffer = new Uint8Array(0);
  let correlationId = 0;
  const closed = new Promise<void>((resolve) => {
    socket.on("close", () => {
      for (const p of pending.splice(0)) p.reject(new Error("connection closed"));
      resolve();
    });
  });
  socket.on("error", () => {}); // the close that follows rejects what is pending
  socket.on("data", (chunk: Uint8Array) => {
    const joined = new Uint8Array(buffer.length + chunk.length);
    joined.set(buffer);
    joined.set(chunk, buffer.length);
    buffer = joined;
    while (buffer.length >= 4) {
      const size = new DataView(buffer.buffer, buffer.byteOffset).getInt32(0);
      if (buffer.length < 4 + size) break;
      const frame = buffer.slice(4, 4 + size);
      buffer = buffer.slice(4 + size);
      const head = pending.shift();
      if (!head) throw new Error("a response nobody asked for");
      try {
        head.resolve(decodeResponse(SCHEMAS[head.api], head.version, frame).body);
      } catch (error) {
        head.reject(error as Error);
      }
    }
  });
  return {
    request(api, version, body) {
      return new Promise((resolve, reject) => {
        pending.push({ api, version, resolve, reject });
        socket.write(encodeRequest(SCHEMAS[api], version, correlationId++, "wire-client", body));
      });
    },
    closed,
    close: () => socket.destroy(),
  };
}
