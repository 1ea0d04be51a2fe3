// Transactions as docs/Transactions.md describes them: a transactional, idempotent producer with
// one request in flight; send, sendBatch and sendOffsets inside a transaction, commit, abort,
// isActive, and the errors of misuse. A read_committed consumer must see the committed
// messages only.
import { Kafka, logLevel } from "kafkajs";
import process from "node:process";

const topic = (name) => `${process.env.TOPIC_PREFIX}-${name}`;
const print = (label, value) => console.log(JSON.stringify({ label, value }));
const failure = (error) => ({ name: error.name, retriable: error.retriable });

const kafka = new Kafka({
  clientId: "kafkajs-compat-txn",
  brokers: process.env.BROKERS.split(","),
  logLevel: logLevel.ERROR,
});
const producer = kafka.producer({
  transactionalId: topic("txn-id"),
  maxInFlightRequests: 1,
  idempotent: true,
  transactionTimeout: 30000,
  allowAutoTopicCreation: false,
});

const plain = kafka.producer();
try {
  await plain.transaction();
} catch (error) {
  print("transaction without transactionalId", failure(error));
}

await producer.connect();
const transaction = await producer.transaction();
print("active after begin", transaction.isActive());
try {
  await producer.transaction();
} catch (error) {
  print("second transaction while one is open", failure(error));
}
await transaction.send({
  topic: topic("orders"),
  messages: [
    { key: "order-1", value: "created", headers: { step: "1" } },
    { key: "order-2", value: "created", headers: { step: "1" } },
  ],
});
await transaction.sendBatch({
  topicMessages: [
    { topic: topic("orders"), messages: [{ key: "order-1", value: "paid" }] },
    { topic: topic("audit"), messages: [{ key: "order-1", value: "order-1 paid" }] },
  ],
});
await transaction.sendOffsets({
  consumerGroupId: topic("group"),
  topics: [{ topic: topic("audit"), partitions: [{ partition: 0, offset: "1" }] }],
});
await transaction.commit();
print("active after commit", transaction.isActive());
try {
  await transaction.send({ topic: topic("orders"), messages: [{ value: "too late" }] });
} catch (error) {
  print("send after commit", failure(error));
}

const aborted = await producer.transaction();
await aborted.send({ topic: topic("orders"), messages: [{ key: "order-3", value: "never seen" }] });
await aborted.abort();
print("active after abort", aborted.isActive());

// Outside a transaction, the transactional producer's own send() still works.
print(
  "send outside a transaction",
  (await producer.send({
    topic: topic("orders"),
    messages: [{ key: "order-4", value: "outside" }],
  })).map((r) => ({ partition: r.partition, baseOffset: typeof r.baseOffset })),
);

const third = await producer.transaction();
await third.send({ topic: topic("orders"), messages: [{ key: "order-5", value: "committed" }] });
await third.commit();
await producer.disconnect();
