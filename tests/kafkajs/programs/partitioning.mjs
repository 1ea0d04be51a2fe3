// Partitioning as kafkajs does it (docs/Producing.md, "Default Partitioners" and "Custom
// partitioner"): the same keys sent with DefaultPartitioner (Java's murmur2) and with
// LegacyPartitioner (kafkajs 1.x's hash), keyless messages round robin, and a custom partitioner
// that reads partitionMetadata. The test compares where kcat finds each record.
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { Buffer } from "node:buffer";
import process from "node:process";

const topic = (name) => `${process.env.TOPIC_PREFIX}-${name}`;
const print = (label, value) => console.log(JSON.stringify({ label, value }));
const kafka = new Kafka({ brokers: process.env.BROKERS.split(","), logLevel: logLevel.NOTHING });

// Keys of every length from 0 to 40 characters, multi-byte text and raw bytes.
const keys = [];
for (let i = 0; i <= 40; i++) keys.push("k".repeat(i % 7) + String(i * 7919).slice(0, i % 5));
keys.push("ünïcødé", "😀 emoji key", "user-42", "order-2023-11-26", "a".repeat(257));
const bufferKeys = [Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7f]), Buffer.from("plain bytes")];

async function sendAll(createPartitioner, name) {
  const producer = kafka.producer({ createPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const messages = [
    ...keys.map((key, i) => ({ key, value: `${name} ${i}` })),
    ...bufferKeys.map((key, i) => ({ key, value: `${name} bytes ${i}` })),
  ];
  const results = await producer.send({ topic: topic(name), messages });
  print(name, results.map((r) => r.partition).sort((a, b) => a - b));
  await producer.disconnect();
}

await sendAll(Partitioners.DefaultPartitioner, "default7");
await sendAll(Partitioners.LegacyPartitioner, "legacy7");
await sendAll(Partitioners.JavaCompatiblePartitioner, "java7");

// Keyless messages: round robin over the partitions, from a random first one.
const roundRobin = kafka.producer({ allowAutoTopicCreation: false });
await roundRobin.connect();
await roundRobin.send({
  topic: topic("rr"),
  messages: Array.from({ length: 12 }, (_, i) => ({ value: `rr ${i}` })),
});
await roundRobin.send({ topic: topic("rr"), messages: [{ value: "rr 12" }, { value: "rr 13" }] });
await roundRobin.disconnect();

// A custom partitioner: the last partition for long keys, the first for short ones.
const seenMetadata = [];
const custom = kafka.producer({
  allowAutoTopicCreation: false,
  createPartitioner: () => ({ topic: to, partitionMetadata, message }) => {
    seenMetadata.push({ to, partitionMetadata });
    const ids = partitionMetadata.map((p) => p.partitionId).sort((a, b) => a - b);
    return String(message.key).length > 3 ? ids[ids.length - 1] : ids[0];
  },
});
await custom.connect();
await custom.send({
  topic: topic("custom"),
  messages: [{ key: "ab", value: "short" }, { key: "abcdef", value: "long" }],
});
await custom.disconnect();
print("custom partitioner", {
  calls: seenMetadata.length,
  topic: seenMetadata[0].to === topic("custom"),
  partitionKeys: Object.keys(seenMetadata[0].partitionMetadata[0]).sort(),
  partitionIds: seenMetadata[0].partitionMetadata.map((p) => p.partitionId).sort(),
  leaders: seenMetadata[0].partitionMetadata.every((p) => p.leader >= 0),
});
