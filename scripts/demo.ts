/**
 * The main job in miniature: create a topic on the broker at KAFKA_BOOTSTRAP, produce one record
 * batch per partition through the codec, and print what the broker stored.
 *
 *   deno run -A scripts/demo.ts
 */

import process from "node:process";
import { KafkaAdmin } from "../mod.ts";
import { Connection } from "../src/network/connection.ts";
import { parseEndpoint } from "../src/network/bootstrap.ts";
import { Produce } from "../src/protocol/messages/produce.ts";
import { RecordBatchWriter } from "../src/protocol/record_batch.ts";
import { detectTransport } from "../src/transport/detect.ts";

const bootstrap = (process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092").split(",");
const topic = process.env.DEMO_TOPIC ?? "kafka-edge-demo";
const encoder = new TextEncoder();

const admin = await KafkaAdmin.connect({ bootstrapServers: bootstrap });
await admin.createTopics([{ name: topic, numPartitions: 3 }], { ignoreExisting: true });
const metadata = await admin.metadata([topic]);
admin.close();

const brokers = new Map(metadata.brokers.map((b) => [b.nodeId, b]));
for (const partition of metadata.topics[0].partitions) {
  const leader = brokers.get(partition.leaderId);
  if (!leader) throw new Error(`partition ${partition.partitionIndex} has no leader yet`);
  const connection = await Connection.open(
    detectTransport(),
    parseEndpoint(`${leader.host}:${leader.port}`),
    {
      clientId: "kafka-edge-demo",
      requestTimeoutMs: 10_000,
      maxResponseSize: 1 << 20,
      softwareName: "kafka-edge-demo",
      softwareVersion: "0",
    },
  );
  const writer = new RecordBatchWriter(new Uint8Array(16384));
  for (let i = 0; i < 3; i++) {
    const key = encoder.encode(`key-${partition.partitionIndex}-${i}`);
    const value = encoder.encode(
      `hello from kafka-edge, record ${i} of partition ${partition.partitionIndex}`,
    );
    writer.tryAppend(Date.now(), key, value, [[encoder.encode("source"), encoder.encode("demo")]]);
  }
  const response = await connection.request(Produce, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topics: [{
      topic,
      partitions: [{ partition: partition.partitionIndex, records: writer.close() }],
    }],
  });
  connection.close();
  const result = response.topics[0].partitions[0];
  console.log(
    `${topic}[${partition.partitionIndex}]: wrote ${writer.recordCount} records at offset ` +
      `${result.baseOffset} (error code ${result.errorCode})`,
  );
}
