/**
 * The user's code may throw without changing what the producer does (src/producer/user_code.ts):
 * a logger that cannot print a bigint (as kafkajs's PrettyConsoleLogger cannot: JSON.stringify
 * throws on the producer id it is given), listeners that throw, a partitioner that throws for
 * some records. Against the real broker, through the fault proxy (its request log counts the
 * InitProducerId requests), judged by kcat.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRecordError, KafkaProducer, type LogFields, type Logger } from "../../mod.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { startKafkaProxy } from "../_lib/kafka_proxy.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

/** Prints each line as JSON, as kafkajs's PrettyConsoleLogger does: bigints make it throw. */
function jsonLogger(lines: string[]): Logger {
  const log = (message: string, fields?: LogFields) => {
    lines.push(JSON.stringify({ message, ...fields }));
  };
  return { debug: log, info: log, warn: log, error: log };
}

test("a logger that throws on the producer id: one InitProducerId, every record once", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("user-logger");
  await createTopic(topic, 3);
  const proxy = await startKafkaProxy(bootstrapServers()[0]);
  const lines: string[] = [];
  const producer = new KafkaProducer({
    bootstrapServers: [proxy.bootstrap],
    logger: jsonLogger(lines),
    maxBlockMs: 10_000,
    deliveryTimeoutMs: 10_000,
    requestTimeoutMs: 5_000,
  });
  const values = Array.from({ length: 30 }, (_, i) => `v${i}`);
  try {
    await Promise.all(values.map((value, i) => producer.send({ topic, key: `k${i}`, value })));
    assert.equal(proxy.requests("InitProducerId").length, 1, "InitProducerId requests");
    assert.ok(lines.length > 0, "the other lines were logged");
  } finally {
    await producer.close();
    await proxy.close();
  }
  const read = (await readTopic(topic)).map((r) => r.value).sort();
  assert.deepEqual(read, [...values].sort());
});

test("listeners that throw and a partitioner that throws for some records", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("user-partitioner");
  await createTopic(topic, 2);
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    partitioner: ({ value, numPartitions }) => {
      if (value?.[0] === 0x78) throw new Error("no x here"); // values starting with "x"
      return value!.length % numPartitions;
    },
  });
  for (const event of ["connect", "disconnect", "request", "batch", "retry", "error"] as const) {
    producer.on(event, () => {
      throw new Error(`${event} listener bug`);
    });
  }
  try {
    const settled = await Promise.allSettled(
      ["a", "xb", "cc", "xd", "e"].map((value) => producer.send({ topic, value })),
    );
    const outcome = settled.map((s) => s.status);
    assert.deepEqual(outcome, ["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
    for (const s of settled) {
      if (s.status === "rejected") {
        assert.ok(s.reason instanceof InvalidRecordError, String(s.reason));
        assert.match(s.reason.message, /partitioner failed.*no x here/);
      }
    }
  } finally {
    await producer.close();
  }
  const read = (await readTopic(topic)).map((r) => [r.partition, r.value]);
  assert.deepEqual(read.sort(), [[0, "cc"], [1, "a"], [1, "e"]]);
});
