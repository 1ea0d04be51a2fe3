/**
 * A loopback relay between the producer and a broker, for fault injection: it can forward bytes
 * in small, slow chunks (requests: so the producer's socket fills and its adapter must keep
 * unsent bytes; responses: so the producer reassembles frames from single bytes), stall
 * everything (a black hole), throw responses away, or cut connections, also in the middle of a
 * request or a response. Built on node:net, so it runs in Deno, Bun and Node alike.
 */

import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Endpoint, Transport, TransportConnection } from "../../src/transport/transport.ts";

/** How the relay forwards bytes. */
export interface RelayOptions {
  /** Forward requests at most this many bytes at a time (default: whatever arrived). */
  maxChunk?: number;
  /** Wait this long between request chunks (default 0). */
  delayMs?: number;
  /**
   * Forward responses this many bytes at a time, each in its own write after a timer tick, so
   * the producer reads them in pieces (default: whatever arrived, at once).
   */
  responseChunk?: number;
}

/** A running relay. */
export interface Relay {
  readonly port: number;
  readonly stats: {
    connections: number;
    toBroker: number;
    toClient: number;
    dropped: number;
    cutMidRequest: number;
    cutMidResponse: number;
  };
  /** Stops forwarding in both directions (a black hole: writes pile up) until `resume`. */
  pause(): void;
  resume(): void;
  /** While on, responses from the broker are thrown away (the broker still gets requests). */
  dropResponses(on: boolean): void;
  /** Destroys every open connection, wherever its requests and responses are. */
  cutAll(): void;
  /**
   * Arms a one-shot cut: the next time bytes of a request (or of a response) pass, only the
   * first half of them is forwarded, then that connection is destroyed.
   */
  cutMidRequest(): void;
  cutMidResponse(): void;
  /** New connections go to `target` from now on (open ones stay where they are). */
  retarget(target: Endpoint): void;
  close(): Promise<void>;
}

/** One way through a connection pair: the bytes waiting, and how they are forwarded. */
interface Direction {
  readonly from: Socket;
  readonly to: Socket;
  readonly queue: Uint8Array[];
  pumping: boolean;
  readonly maxChunk: number | undefined;
  readonly pause: (() => Promise<unknown>) | null;
  readonly isRequest: boolean;
}

interface Pair {
  readonly requests: Direction;
  readonly responses: Direction;
}

/** Starts a relay on 127.0.0.1 (a free port) to `target`. */
export async function startRelay(target: Endpoint, options: RelayOptions = {}): Promise<Relay> {
  const pairs = new Set<Pair>();
  const stats = {
    connections: 0,
    toBroker: 0,
    toClient: 0,
    dropped: 0,
    cutMidRequest: 0,
    cutMidResponse: 0,
  };
  let current = target;
  let paused = false;
  let dropping = false;
  const armed = { request: false, response: false };
  const requestDelay = options.delayMs ?? 0;
  const sleep = (ms: number) => () => new Promise((resolve) => setTimeout(resolve, ms));

  const destroy = (pair: Pair) => {
    pairs.delete(pair);
    pair.requests.from.destroy();
    pair.requests.to.destroy();
  };

  const pump = async (pair: Pair, direction: Direction) => {
    if (direction.pumping) return;
    direction.pumping = true;
    while (direction.queue.length > 0 && !paused && pairs.has(pair)) {
      const head = direction.queue[0];
      const which = direction.isRequest ? "request" : "response";
      if (armed[which] && head.length > 1) {
        armed[which] = false;
        stats[direction.isRequest ? "cutMidRequest" : "cutMidResponse"]++;
        direction.to.write(head.subarray(0, head.length >> 1), () => destroy(pair));
        break;
      }
      const size = Math.min(head.length, direction.maxChunk ?? head.length);
      direction.to.write(head.subarray(0, size));
      stats[direction.isRequest ? "toBroker" : "toClient"] += size;
      if (size === head.length) direction.queue.shift();
      else direction.queue[0] = head.subarray(size);
      if (direction.pause) await direction.pause();
    }
    direction.pumping = false;
    // Read again only once the bytes are out: that is what fills the sender's socket.
    if (direction.queue.length === 0 && !paused && pairs.has(pair)) direction.from.resume();
  };

  const server: Server = createServer((client) => {
    stats.connections++;
    const broker = createConnection({ host: current.host, port: current.port });
    client.setNoDelay(true);
    broker.setNoDelay(true);
    const pair: Pair = {
      requests: {
        from: client,
        to: broker,
        queue: [],
        pumping: false,
        maxChunk: options.maxChunk,
        pause: requestDelay > 0 ? sleep(requestDelay) : null,
        isRequest: true,
      },
      responses: {
        from: broker,
        to: client,
        queue: [],
        pumping: false,
        maxChunk: options.responseChunk,
        pause: options.responseChunk ? sleep(0) : null,
        isRequest: false,
      },
    };
    pairs.add(pair);
    client.on("data", (chunk: Uint8Array) => {
      client.pause();
      pair.requests.queue.push(chunk);
      pump(pair, pair.requests);
    });
    broker.on("data", (chunk: Uint8Array) => {
      if (dropping) {
        stats.dropped += chunk.length;
        return;
      }
      broker.pause();
      pair.responses.queue.push(chunk);
      pump(pair, pair.responses);
    });
    if (paused) client.pause();
    for (const socket of [client, broker]) {
      socket.on("error", () => destroy(pair));
      socket.on("close", () => destroy(pair));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;

  const cutAll = () => {
    for (const pair of [...pairs]) destroy(pair);
  };
  return {
    port,
    stats,
    pause() {
      paused = true;
      for (const pair of pairs) {
        pair.requests.from.pause();
        pair.responses.from.pause();
      }
    },
    resume() {
      paused = false;
      for (const pair of pairs) {
        for (const direction of [pair.requests, pair.responses]) {
          if (direction.queue.length === 0) direction.from.resume();
          else pump(pair, direction);
        }
      }
    },
    dropResponses(on: boolean) {
      dropping = on;
    },
    cutAll,
    cutMidRequest() {
      armed.request = true;
    },
    cutMidResponse() {
      armed.response = true;
    },
    retarget(next) {
      current = next;
    },
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
        write(chunks) {
          connection.write(chunks);
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
