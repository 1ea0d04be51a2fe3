// Producing with kafkajs's documented producer API (docs/Producing.md, docs/Configuration.md):
// keys, values, headers, partitions and timestamps of every kind, acks -1/1/0, compression,
// timeout, sendBatch, the events, logging, and the errors a caller sees. Prints one JSON line
// per observation; tests/kafkajs/programs.test.ts runs it on kafkajs and on the facade.
import { CompressionTypes, Kafka, logLevel, Partitioners } from "kafkajs";
import { Buffer } from "node:buffer";
import process from "node:process";

const brokers = process.env.BROKERS.split(",");
const topic = (name) => `${process.env.TOPIC_PREFIX}-${name}`;
const print = (label, value) => console.log(JSON.stringify({ label, value }));
const sorted = (results) =>
  results.map((r) => ({ ...r, topicName: r.topicName.replace(process.env.TOPIC_PREFIX, "") }))
    .sort((a, b) => a.topicName.localeCompare(b.topicName) || a.partition - b.partition);
const failure = (error) => ({
  name: error.name,
  retriable: error.retriable,
  isError: error instanceof Error,
});

const logLevels = [];
const entries = [];
const kafka = new Kafka({
  clientId: "kafkajs-compat",
  brokers,
  connectionTimeout: 5000,
  requestTimeout: 20000,
  retry: { initialRetryTime: 100, retries: 3 },
  logLevel: logLevel.WARN,
  logCreator: (level) => {
    logLevels.push(level);
    return (entry) => entries.push(entry);
  },
});

const producer = kafka.producer({
  createPartitioner: Partitioners.DefaultPartitioner,
  allowAutoTopicCreation: false,
  maxInFlightRequests: 5,
  retry: { retries: 2 },
});
const seen = {
  CONNECT: [],
  DISCONNECT: [],
  REQUEST: [],
  REQUEST_TIMEOUT: 0,
  REQUEST_QUEUE_SIZE: 0,
};
producer.on(producer.events.CONNECT, (e) => seen.CONNECT.push(e.payload));
producer.on(producer.events.DISCONNECT, (e) => seen.DISCONNECT.push(e.payload));
producer.on(producer.events.REQUEST, (e) => seen.REQUEST.push(e));
producer.on(producer.events.REQUEST_TIMEOUT, () => seen.REQUEST_TIMEOUT++);
const removeQueueListener = producer.on(
  producer.events.REQUEST_QUEUE_SIZE,
  () => seen.REQUEST_QUEUE_SIZE++,
);
removeQueueListener();

try {
  await producer.send({ topic: topic("keys"), messages: [{ key: "k", value: "v" }] });
} catch (error) {
  print("send before connect", failure(error));
}

await producer.connect();
print("isIdempotent", producer.isIdempotent());
producer.logger().warn("a note from the program", { step: 1 });
producer.logger().debug("below the level: not written");

print(
  "keyed",
  sorted(
    await producer.send({
      topic: topic("keys"),
      messages: [
        {
          key: "user-1",
          value: "signed in",
          headers: { source: "web", trace: Buffer.from("t-1") },
        },
        { key: "user-2", value: "signed out", timestamp: "1700000000000" },
        { key: "user-3", value: "é ü 😀", headers: { tag: ["a", "b", Buffer.from("c")] } },
        { key: "user-1", value: "again", timestamp: "1700000000123" },
      ],
    }),
  ),
);

print(
  "mixed",
  sorted(
    await producer.send({
      topic: topic("mixed"),
      acks: 1,
      timeout: 10000,
      compression: CompressionTypes.GZIP,
      messages: [
        { key: Buffer.from([0, 1, 2, 255]), value: Buffer.from("bytes"), partition: 2 },
        { key: "", value: "empty key" },
        { key: "tombstone", value: null },
        { key: null, value: "explicit partition, no key", partition: 1 },
        { key: "k", value: "", headers: { empty: "" } },
      ],
    }),
  ),
);

print(
  "acks 0",
  await producer.send({
    topic: topic("mixed"),
    acks: 0,
    messages: [{ key: "fire", value: "and forget", partition: 0 }],
  }),
);

print(
  "sendBatch",
  sorted(
    await producer.sendBatch({
      compression: CompressionTypes.GZIP,
      topicMessages: [
        { topic: topic("keys"), messages: [{ key: "user-4", value: "batched 1" }] },
        { topic: topic("mixed"), messages: [{ key: "m", value: "batched 2", partition: 0 }] },
        { topic: topic("keys"), messages: [{ key: "user-5", value: "batched 3" }] },
      ],
    }),
  ),
);

print("sendBatch no messages", await producer.sendBatch({ topicMessages: [] }));

for (
  const [label, call] of [
    ["no value", () => producer.send({ topic: topic("keys"), messages: [{ key: "x" }] })],
    ["no topic", () => producer.send({ messages: [{ value: "x" }] })],
    ["no messages", () => producer.send({ topic: topic("keys") })],
    ["missing topic", () => producer.send({ topic: topic("absent"), messages: [{ value: "x" }] })],
  ]
) {
  try {
    await call();
    print(label, "resolved");
  } catch (error) {
    print(label, failure(error));
  }
}

const idempotent = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
await idempotent.connect();
print("idempotent", idempotent.isIdempotent());
try {
  await idempotent.send({ topic: topic("keys"), acks: 1, messages: [{ value: "x" }] });
} catch (error) {
  print("idempotent acks 1", failure(error));
}
print(
  "idempotent send",
  sorted(
    await idempotent.send({
      topic: topic("keys"),
      messages: [{ key: "user-6", value: "exactly once" }],
    }),
  ),
);
await idempotent.disconnect();

await producer.disconnect();
try {
  await producer.send({ topic: topic("keys"), messages: [{ value: "late" }] });
} catch (error) {
  print("send after disconnect", failure(error));
}

const produceRequests = seen.REQUEST.filter((e) => e.payload.apiName === "Produce");
print("events", {
  CONNECT: seen.CONNECT,
  DISCONNECT: seen.DISCONNECT,
  REQUEST_TIMEOUT: seen.REQUEST_TIMEOUT,
  REQUEST_QUEUE_SIZE: seen.REQUEST_QUEUE_SIZE,
  requestKeys: Object.keys(seen.REQUEST[0]).sort(),
  requestPayloadKeys: Object.keys(produceRequests[0].payload).sort(),
  produceRequest: {
    type: produceRequests[0].type,
    apiKey: produceRequests[0].payload.apiKey,
    broker: brokers.includes(produceRequests[0].payload.broker),
    clientId: produceRequests[0].payload.clientId,
  },
});
const note = entries.find((e) => e.log.message === "a note from the program");
print("logCreator", {
  levels: logLevels,
  note: { ...note, log: { ...note.log, timestamp: typeof note.log.timestamp } },
  noDebug: entries.every((e) => e.level <= logLevel.WARN),
});
