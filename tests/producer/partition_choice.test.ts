/**
 * A record's partition is chosen once: a custom partitioner is called exactly once per record,
 * also for records that wait for buffer memory (bufferMemory holds a few batches only) or behind
 * others that wait, and every record lands where that one call put it, as kcat reads back. With
 * `partitionerIgnoreKeys`, keys do not choose the partition. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer } from "../../mod.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

test("a custom partitioner is called once per record, records waiting for memory included", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("partition-once");
  await createTopic(topic, 3);
  const calls = new Map<string, number>();
  const chosen = new Map<string, number>();
  let next = 0;
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    // One ~400-byte record per batch, and memory for about four batches: most sends wait.
    batchSize: 512,
    bufferMemory: 2048,
    lingerMs: 0,
    partitioner: ({ value, numPartitions }) => {
      const id = new TextDecoder().decode(value!).slice(0, 8);
      calls.set(id, (calls.get(id) ?? 0) + 1);
      const partition = next++ % numPartitions;
      chosen.set(id, partition);
      return partition;
    },
  });
  const count = 60;
  const values = Array.from(
    { length: count },
    (_, i) => String(i).padStart(8, "0") + "x".repeat(392),
  );
  try {
    await producer.partitionsFor(topic); // metadata first: every send could be appended at once
    const sent = await Promise.all(values.map((value) => producer.send({ topic, value })));
    assert.equal(sent.length, count);
    assert.ok(
      producer.metrics()["bufferpool-wait-time-ns-total"] > 0,
      "some sends waited for memory",
    );
  } finally {
    await producer.close();
  }
  const called = [...calls.values()];
  assert.equal(calls.size, count);
  assert.deepEqual(
    called.filter((n) => n !== 1),
    [],
    "the partitioner ran more than once for a record",
  );
  const read = await readTopic(topic);
  assert.equal(read.length, count);
  for (const record of read) {
    assert.equal(
      record.partition,
      chosen.get(record.value!.slice(0, 8)),
      record.value!.slice(0, 8),
    );
  }
});

test("partitionerIgnoreKeys: keyed records stick to one partition, as unkeyed ones do", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("ignore-keys");
  await createTopic(topic, 6);
  const partitionsOf = async (partitionerIgnoreKeys: boolean) => {
    const producer = new KafkaProducer({
      bootstrapServers: bootstrapServers(),
      partitionerIgnoreKeys,
    });
    try {
      await producer.partitionsFor(topic);
      // 40 small records: far below batchSize, so the sticky partition never switches.
      const sent = await Promise.all(
        Array.from({ length: 40 }, (_, i) => producer.send({ topic, key: `key-${i}`, value: "v" })),
      );
      return new Set(sent.map((m) => m.partition));
    } finally {
      await producer.close();
    }
  };
  assert.equal((await partitionsOf(true)).size, 1, "ignoring keys: one sticky partition");
  assert.ok((await partitionsOf(false)).size > 1, "by key: murmur2 spreads them");
  const read = await readTopic(topic);
  assert.equal(read.length, 80);
});
