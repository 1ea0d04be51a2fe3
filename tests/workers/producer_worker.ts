/**
 * The Worker that tests/workers/workerd.test.ts bundles with esbuild and runs in workerd. Each
 * POST carries a producer configuration and records; the answer holds their metadata and what
 * went through the sockets while serving it.
 *
 * - `POST /request`: a producer made for this request alone (sockets belong to the request that
 *   opened them), closed after the answer with `ctx.waitUntil`.
 * - `POST /durable-object`: forwarded to one Durable Object that keeps its producer, and so its
 *   connections, from one request to the next.
 */

import { KafkaProducer, type ProducerConfig, type RecordMetadata } from "../../mod.ts";
import type { Endpoint, Transport } from "../../src/transport/transport.ts";
import { workersTransport } from "../../src/transport/workers.ts";

/** What the test posts. */
export interface ProduceRequest {
  config: Omit<ProducerConfig, "partitioner" | "transport">;
  /** Every connection goes here instead (a fault-injecting relay in front of a single broker). */
  connectTo?: Endpoint;
  topic: string;
  records: {
    key: string | null;
    value: string;
    headers: [string, string][];
    timestamp?: number;
  }[];
}

/** What went through `cloudflare:sockets` while one request was served. */
export interface SocketUse {
  /** Sockets opened (each adapter connection takes its socket's writer once). */
  opened: number;
  /** Writes to sockets, their largest size and their total in bytes. */
  writes: number;
  largestWrite: number;
  bytes: number;
}

/** What the Worker answers: the metadata, or the error that stopped it. */
export type ProduceResponse =
  | {
    metadata: { partition: number; offset: string; timestamp: string }[];
    sockets: SocketUse;
    userAgent: string;
  }
  | { error: { name: string; message: string } };

/** The parts of the Workers runtime's types used here (they are not a dependency). */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

interface Env {
  PRODUCERS: {
    idFromName(name: string): unknown;
    get(id: unknown): { fetch(request: Request): Promise<Response> };
  };
}

// The test checks what reaches the sockets: no single write over 64 KiB even when a request is
// larger (cloudflare/workerd#7074), and no new socket when a Durable Object reuses its producer.
// Requests are served one at a time in these tests, so one set of counters is enough.
const sockets: SocketUse = { opened: 0, writes: 0, largestWrite: 0, bytes: 0 };
const getWriter = WritableStream.prototype.getWriter;
WritableStream.prototype.getWriter = function () {
  sockets.opened++;
  return getWriter.call(this);
};
const write = WritableStreamDefaultWriter.prototype.write;
WritableStreamDefaultWriter.prototype.write = function (chunk?: unknown) {
  if (chunk instanceof Uint8Array) {
    sockets.writes++;
    sockets.bytes += chunk.length;
    sockets.largestWrite = Math.max(sockets.largestWrite, chunk.length);
  }
  return write.call(this, chunk);
};

function describe(meta: RecordMetadata) {
  return {
    partition: meta.partition,
    offset: String(meta.offset),
    timestamp: String(meta.timestamp),
  };
}

/** A producer as the request configures it; through the Workers transport either way. */
function createProducer({ config, connectTo }: ProduceRequest): KafkaProducer {
  if (!connectTo) return new KafkaProducer(config);
  const transport: Transport = {
    name: "workers via relay",
    connect: (_endpoint, events) => workersTransport.connect(connectTo, events),
  };
  return new KafkaProducer({ ...config, transport });
}

/** Sends the records and answers once every one is acknowledged (or one failed). */
async function produce(producer: KafkaProducer, request: ProduceRequest): Promise<Response> {
  Object.assign(sockets, { opened: 0, writes: 0, largestWrite: 0, bytes: 0 });
  const { topic, records } = request;
  try {
    const metadata = await Promise.all(
      records.map((record) => producer.send({ topic, ...record })),
    );
    const body: ProduceResponse = {
      metadata: metadata.map(describe),
      sockets: { ...sockets },
      userAgent: navigator.userAgent,
    };
    return Response.json(body);
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    const body: ProduceResponse = { error: { name, message } };
    return Response.json(body, { status: 500 });
  }
}

/** A Durable Object that creates its producer on the first request and keeps it. */
export class ProducerObject {
  #producer: KafkaProducer | undefined;

  async fetch(request: Request): Promise<Response> {
    const body = await request.json() as ProduceRequest;
    this.#producer ??= createProducer(body);
    return produce(this.#producer, body);
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/durable-object") {
      return env.PRODUCERS.get(env.PRODUCERS.idFromName("producer")).fetch(request);
    }
    if (pathname !== "/request") return new Response("not found", { status: 404 });
    const body = await request.json() as ProduceRequest;
    const producer = createProducer(body);
    try {
      return await produce(producer, body);
    } finally {
      // Every send is settled by now: closing may finish after the answer has gone.
      ctx.waitUntil(producer.close());
    }
  },
};
