/**
 * The transaction protocol follows the broker (KIP-890 part 2): where the coordinator finalizes
 * `transaction.version` 2 (Kafka 4's default: the test broker) partitions and offsets join the
 * transaction implicitly (Produce v12, TxnOffsetCommit v5, no AddPartitionsToTxn or
 * AddOffsetsToTxn) and every EndTxn (v5) gives the next epoch; with `transaction.version` 1 (the
 * broker of tests/eos) and on Kafka 3.9 the first protocol (AddPartitionsToTxn, Produce v11,
 * EndTxn v4, one epoch throughout). The fault proxy's request log shows what went out (the Java
 * producer 4.4 sends the same requests, at the same versions, through this proxy); kcat
 * (read_committed) shows the committed transactions and not the aborted one.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer } from "../../mod.ts";
import { bootstrapServers, eosBroker, olderBroker, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { type KafkaProxy, startKafkaProxy } from "../_lib/kafka_proxy.ts";
import type { ApiName } from "../_lib/wire_schemas.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const BROKERS = [
  { name: "Kafka 4, transaction.version 2", protocol: 2, bootstrap: () => bootstrapServers() },
  { name: "Kafka 4, transaction.version 1", protocol: 1, bootstrap: () => eosBroker() },
  { name: "Kafka 3.9", protocol: 1, bootstrap: () => olderBroker("3.9.1") },
] as const;

/** Three transactions: committed (with offsets), aborted, committed. */
async function threeTransactions(proxy: KafkaProxy, topic: string): Promise<void> {
  const producer = new KafkaProducer({
    bootstrapServers: [proxy.bootstrap],
    transactionalId: uniqueTopic("versions-id"),
    maxBlockMs: 20_000,
  });
  try {
    await producer.initTransactions();
    producer.beginTransaction();
    await Promise.all(
      ["a0", "a1", "a2"].map((value, i) => producer.send({ topic, partition: i % 2, value })),
    );
    await producer.sendOffsetsToTransaction(
      [{ topic, partition: 0, offset: 7 }], // a number is taken as well as a bigint
      uniqueTopic("versions-group"),
    );
    await producer.commitTransaction();
    producer.beginTransaction();
    await Promise.all(
      ["b0", "b1"].map((value, i) => producer.send({ topic, partition: i, value })),
    );
    await producer.abortTransaction();
    producer.beginTransaction();
    await producer.send({ topic, partition: 1, value: "c0" });
    await producer.commitTransaction();
  } finally {
    await producer.close();
  }
}

for (const broker of BROKERS) {
  test(`${broker.name}: transaction protocol v${broker.protocol}`, {
    timeout: BROKER_TIMEOUT_MS,
  }, async () => {
    const bootstrap = broker.bootstrap();
    const topic = uniqueTopic("versions");
    await createTopic(topic, 2, {}, bootstrap);
    const proxy = await startKafkaProxy(bootstrap[0]);
    try {
      await threeTransactions(proxy, topic);
    } finally {
      await proxy.close();
    }
    const versions = (api: ApiName) => [...new Set(proxy.requests(api).map((e) => e.version))];
    const count = (api: ApiName) => proxy.requests(api).length;
    // The epoch of each Produce batch, in order: one per transaction under v2.
    const epochs = [
      ...new Set(proxy.requests("Produce").flatMap((e) => e.batches.map((b) => b.producerEpoch))),
    ];
    if (broker.protocol === 2) {
      assert.equal(count("AddPartitionsToTxn") + count("AddOffsetsToTxn"), 0);
      assert.deepEqual(versions("Produce"), [12]);
      assert.deepEqual(versions("TxnOffsetCommit"), [5]);
      assert.deepEqual(versions("EndTxn"), [5]);
      assert.equal(epochs.length, 3, `epochs ${epochs}`);
    } else {
      assert.ok(count("AddPartitionsToTxn") >= 3, "AddPartitionsToTxn in each transaction");
      assert.equal(count("AddOffsetsToTxn"), 1);
      assert.ok(versions("Produce").every((v) => v <= 11), `Produce v${versions("Produce")}`);
      assert.ok(versions("TxnOffsetCommit").every((v) => v <= 4));
      assert.ok(versions("EndTxn").every((v) => v <= 4), `EndTxn v${versions("EndTxn")}`);
      assert.equal(epochs.length, 1, `epochs ${epochs}`);
    }
    assert.equal(count("EndTxn"), 3);
    const read = await readTopic(topic, ["-X", "isolation.level=read_committed"], bootstrap);
    assert.deepEqual(read.map((r) => r.value).sort(), ["a0", "a1", "a2", "c0"]);
  });
}
