/**
 * A Cloudflare Worker that produces each POSTed body to Kafka and answers where it was written.
 *
 *   curl -X POST 'http://localhost:8787/?key=user-42' -d '{"action":"login"}'
 *
 * Sockets belong to the request that opened them: the producer is made inside the handler and
 * closed through `ctx.waitUntil` once the answer is on its way.
 */

import { KafkaProducer } from "@kafka-edge/producer";

/** The bindings of wrangler.toml's `[vars]` (or `wrangler dev --var NAME:VALUE`). */
interface Env {
  /** `host:port[,host:port...]` of brokers the Worker can reach. */
  KAFKA_BOOTSTRAP: string;
  /** The topic to write to. */
  KAFKA_TOPIC: string;
}

/** The part of the Workers runtime's `ExecutionContext` this Worker uses. */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (request.method !== "POST") return new Response("POST a record's value\n", { status: 405 });
    const producer = new KafkaProducer({ bootstrapServers: env.KAFKA_BOOTSTRAP.split(",") });
    try {
      const meta = await producer.send({
        topic: env.KAFKA_TOPIC,
        key: new URL(request.url).searchParams.get("key"),
        value: new Uint8Array(await request.arrayBuffer()),
        headers: { "content-type": request.headers.get("content-type") ?? "text/plain" },
      });
      return Response.json({
        topic: meta.topic,
        partition: meta.partition,
        offset: String(meta.offset),
      });
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return Response.json({ error: { name, message } }, { status: 502 });
    } finally {
      ctx.waitUntil(producer.close());
    }
  },
};
