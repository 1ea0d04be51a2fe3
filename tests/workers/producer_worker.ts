/**
 * The Worker that tests/workers/workerd.test.ts bundles with esbuild and runs in workerd: on each
 * POST it creates a producer (sockets belong to the request that opens them), sends the records
 * it was given, and answers with their metadata and the sizes of its socket writes.
 */

import { KafkaProducer, type ProducerConfig, type RecordMetadata } from "../../mod.ts";

/** What the test posts. */
export interface ProduceRequest {
  config: Omit<ProducerConfig, "partitioner" | "transport">;
  topic: string;
  records: {
    key: string | null;
    value: string;
    headers: [string, string][];
    timestamp?: number;
  }[];
}

/** What the Worker answers: the metadata, or the error that stopped it. */
export type ProduceResponse =
  | {
    metadata: { partition: number; offset: string; timestamp: string }[];
    socketWrites: { count: number; largest: number; bytes: number };
    userAgent: string;
  }
  | { error: { name: string; message: string } };

/** The part of the Workers `ExecutionContext` used here. */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

// Every write to a socket in this isolate is measured: the test checks that no single write
// exceeds 64 KiB even when a request does (cloudflare/workerd#7074).
const socketWrites = { count: 0, largest: 0, bytes: 0 };
const write = WritableStreamDefaultWriter.prototype.write;
WritableStreamDefaultWriter.prototype.write = function (chunk?: unknown) {
  if (chunk instanceof Uint8Array) {
    socketWrites.count++;
    socketWrites.bytes += chunk.length;
    socketWrites.largest = Math.max(socketWrites.largest, chunk.length);
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

export default {
  async fetch(request: Request, _env: unknown, ctx: ExecutionContext): Promise<Response> {
    const { config, topic, records } = await request.json() as ProduceRequest;
    Object.assign(socketWrites, { count: 0, largest: 0, bytes: 0 });
    const producer = new KafkaProducer(config);
    try {
      const metadata = await Promise.all(
        records.map((record) => producer.send({ topic, ...record })),
      );
      const body: ProduceResponse = {
        metadata: metadata.map(describe),
        socketWrites: { ...socketWrites },
        userAgent: navigator.userAgent,
      };
      return Response.json(body);
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      const body: ProduceResponse = { error: { name, message } };
      return Response.json(body, { status: 500 });
    } finally {
      // Every send above is settled: closing may finish after the response has gone.
      ctx.waitUntil(producer.close());
    }
  },
};
