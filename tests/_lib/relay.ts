/**
 * A loopback relay between the producer and a broker, for fault injection: it can read from the
 * producer in small, slow chunks (so the producer's socket fills and its adapter must keep
 * unsent bytes), stall everything, or cut every connection. Built on node:net, so it runs in
 * Deno, Bun and Node alike.
 */

import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Endpoint, Transport, TransportConnection } from "../../src/transport/transport.ts";

/** How the relay treats bytes from the producer to the broker. */
export interface RelayOptions {
  /** Forward at most this many bytes at a time (default: whatever arrived). */
  maxChunk?: number;
  /** Wait this long between chunks (default 0). */
  delayMs?: number;
}

/** A running relay. */
export interface Relay {
  readonly port: number;
  readonly stats: { connections: number; toBroker: number; toClient: number; dropped: number };
  /** Stops forwarding in both directions (the producer's writes pile up) until `resume`. */
  pause(): void;
  resume(): void;
  /** While on, responses from the broker are thrown away (the broker still gets requests). */
  dropResponses(on: boolean): void;
  /** Destroys every open connection, mid-request or mid-response. */
  cutAll(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  broker: Socket;
  queue: Uint8Array[];
  pumping: boolean;
}

/** Starts a relay on 127.0.0.1 (a free port) to `target`. */
export async function startRelay(target: Endpoint, options: RelayOptions = {}): Promise<Relay> {
  const pairs = new Set<Pair>();
  const stats = { connections: 0, toBroker: 0, toClient: 0, dropped: 0 };
  let paused = false;
  let dropping = false;

  const pump = async (pair: Pair) => {
    if (pair.pumping) return;
    pair.pumping = true;
    while (pair.queue.length > 0 && !paused && pairs.has(pair)) {
      const head = pair.queue[0];
      const size = Math.min(head.length, options.maxChunk ?? head.length);
      pair.broker.write(head.subarray(0, size));
      stats.toBroker += size;
      if (size === head.length) pair.queue.shift();
      else pair.queue[0] = head.subarray(size);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    }
    pair.pumping = false;
    // Read from the producer again only once its bytes are out: that is what fills its socket.
    if (pair.queue.length === 0 && !paused && pairs.has(pair)) pair.client.resume();
  };

  const server: Server = createServer((client) => {
    stats.connections++;
    const broker = createConnection({ host: target.host, port: target.port });
    const pair: Pair = { client, broker, queue: [], pumping: false };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      broker.destroy();
    };
    client.on("data", (chunk: Uint8Array) => {
      client.pause();
      pair.queue.push(chunk);
      pump(pair);
    });
    broker.on("data", (chunk: Uint8Array) => {
      if (dropping) {
        stats.dropped += chunk.length;
        return;
      }
      stats.toClient += chunk.length;
      client.write(chunk);
    });
    if (paused) client.pause();
    for (const socket of [client, broker]) {
      socket.on("error", drop);
      socket.on("close", drop);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;

  const cutAll = () => {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.client.destroy();
      pair.broker.destroy();
    }
  };
  return {
    port,
    stats,
    pause() {
      paused = true;
      for (const pair of pairs) {
        pair.client.pause();
        pair.broker.pause();
      }
    },
    resume() {
      paused = false;
      for (const pair of pairs) {
        pair.broker.resume();
        pump(pair);
      }
    },
    dropResponses(on: boolean) {
      dropping = on;
    },
    cutAll,
    close() {
      cutAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A transport that reaches every broker through its own relay, and counts retained writes. */
export interface RelayedTransport extends Transport {
  /** Writes after which the adapter still held unsent bytes: its socket took only part. */
  readonly retainedWrites: number;
  /** The relays started so far, one per broker address. */
  relays(): Relay[];
  close(): Promise<void>;
}

/** Wraps `inner` so that each broker address the producer connects to goes through a relay. */
export function throughRelays(inner: Transport, options: RelayOptions = {}): RelayedTransport {
  const relays = new Map<string, Promise<Relay>>();
  const started: Relay[] = [];
  let retainedWrites = 0;
  return {
    name: `${inner.name} via relay`,
    get retainedWrites() {
      return retainedWrites;
    },
    async connect(endpoint, events, tls): Promise<TransportConnection> {
      const key = `${endpoint.host}:${endpoint.port}`;
      if (!relays.has(key)) {
        relays.set(
          key,
          startRelay(endpoint, options).then((relay) => (started.push(relay), relay)),
        );
      }
      const relay = await relays.get(key)!;
      const connection = await inner.connect({ host: "127.0.0.1", port: relay.port }, events, tls);
      return {
        get pendingBytes() {
          return connection.pendingBytes;
        },
        write(bytes) {
          connection.write(bytes);
          if (connection.pendingBytes > 0) retainedWrites++;
        },
        drained: () => connection.drained(),
        close: () => connection.close(),
      };
    },
    relays() {
      return [...started];
    },
    async close() {
      await Promise.all([...relays.values()].map(async (relay) => (await relay).close()));
    },
  };
}
