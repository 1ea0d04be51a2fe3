/**
 * The main job in miniature, against the broker at KAFKA_BOOTSTRAP: create a topic, produce a
 * few keyed records with headers and print where each went, then produce 200,000 records of
 * 100 bytes as fast as the producer is allowed to and print the throughput.
 *
 *   deno run -A scripts/demo.ts
 */

import process from "node:process";
import { KafkaAdmin, KafkaProducer } from "../mod.ts";

const bootstrapServers = (process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092").split(",");
const topic = process.env.DEMO_TOPIC ?? "kafka-edge-demo";

const admin = await KafkaAdmin.connect({ bootstrapServers });
await admin.createTopics([{ name: topic, numPartitions: 3 }], { ignoreExisting: true });
admin.close();

const producer = new KafkaProducer({ bootstrapServers, acks: "all", lingerMs: 5 });
const written = await Promise.all(
  ["alice", "bob", "carol", "dave", null].map((user, i) =>
    producer.send({
      topic,
      key: user,
      value: JSON.stringify({ user, action: "login", n: i }),
      headers: { source: "demo" },
    })
  ),
);
for (const meta of written) {
  console.log(`${meta.topic}[${meta.partition}] offset ${meta.offset} timestamp ${meta.timestamp}`);
}

const records = 200_000;
const value = new Uint8Array(100).fill(0x61);
let failed = 0;
const started = performance.now();
for (let i = 0; i < records; i++) producer.send({ topic, value }).catch(() => failed++);
await producer.flush();
const seconds = (performance.now() - started) / 1000;
await producer.close();
console.log(
  `throughput: ${records} records of 100 B in ${seconds.toFixed(2)} s = ` +
    `${Math.round(records / seconds).toLocaleString("en")} records/s (acks all), ${failed} failed`,
);
