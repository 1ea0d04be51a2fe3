/**
 * Transactions against the real broker: committed records are visible to read_committed
 * consumers and aborted ones are not (kcat), offsets sent in a transaction appear for the group
 * only after the commit (Kafka's own ConsumerGroupCommand), a second producer with the same id
 * fences the first, and calls out of order reject with typed errors.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import {
  ConfigError,
  InvalidRecordError,
  KafkaBrokerError,
  KafkaProducer,
  type ProducerConfig,
  ProducerFencedError,
  TransactionStateError,
} from "../../mod.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

function transactional(transactionalId: string, config: Partial<ProducerConfig> = {}) {
  return new KafkaProducer({ bootstrapServers: bootstrapServers(), transactionalId, ...config });
}

const READ_COMMITTED = ["-X", "isolation.level=read_committed"];
const READ_UNCOMMITTED = ["-X", "isolation.level=read_uncommitted"];

test("committed records are visible to read_committed consumers, aborted ones are not", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("txn");
  await createTopic(topic, 2);
  const producer = transactional(uniqueTopic("txn-id"));
  try {
    await producer.initTransactions();
    producer.beginTransaction();
    const committed = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) => producer.send({ topic, key: `k${i}`, value: `committed-${i}` }),
      ),
    );
    await producer.commitTransaction();
    producer.beginTransaction();
    const aborted = Array.from(
      { length: 5 },
      (_, i) => producer.send({ topic, key: `k${i}`, value: `aborted-${i}` }),
    );
    await producer.abortTransaction();
    await Promise.all(aborted);
    producer.beginTransaction();
    await producer.send({ topic, key: "k0", value: "committed-last" });
    await producer.commitTransaction();
    assert.equal(committed.length, 10);
  } finally {
    await producer.close();
  }
  const visible = (await readTopic(topic, READ_COMMITTED)).map((r) => r.value).sort();
  const expected = [...Array.from({ length: 10 }, (_, i) => `committed-${i}`), "committed-last"]
    .sort();
  assert.deepEqual(visible, expected);
  const everything = (await readTopic(topic, READ_UNCOMMITTED)).map((r) => r.value);
  assert.equal(
    everything.filter((v) => v?.startsWith("aborted-")).length,
    5,
    "aborted records are in the log",
  );
});

/** The committed offset of a group for topic-partition 0, per Kafka's ConsumerGroupCommand. */
function committedOffset(group: string, topic: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [
        "scripts/kafka/broker.sh",
        "tool",
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        "--bootstrap-server",
        bootstrapServers().join(","),
        "--describe",
        "--group",
        group,
      ],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && !/does not exist|no active members/i.test(stdout + stderr)) {
          reject(new Error(`ConsumerGroupCommand failed: ${stderr}`, { cause: error }));
          return;
        }
        const line = stdout.split("\n").find((l) => l.split(/\s+/).includes(topic));
        // Columns: GROUP TOPIC PARTITION CURRENT-OFFSET ...
        resolve(line ? line.trim().split(/\s+/)[3] : null);
      },
    );
  });
}

test("offsets sent in a transaction appear for the group only after the commit", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("txn-offsets");
  await createTopic(topic, 1);
  const group = uniqueTopic("group");
  const producer = transactional(uniqueTopic("txn-id"));
  try {
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic, value: "processed" });
    await producer.sendOffsetsToTransaction([{ topic, partition: 0, offset: 42n }], group);
    assert.notEqual(await committedOffset(group, topic), "42", "visible before the commit");
    await producer.commitTransaction();
    assert.equal(await committedOffset(group, topic), "42");
  } finally {
    await producer.close();
  }
});

test("a second producer with the same transactional id fences the first", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("fencing");
  await createTopic(topic, 1);
  const id = uniqueTopic("zombie");
  const zombie = transactional(id);
  const successor = transactional(id);
  try {
    await zombie.initTransactions();
    zombie.beginTransaction();
    await zombie.send({ topic, value: "from the zombie" });
    await successor.initTransactions(); // bumps the epoch: the zombie's transaction is aborted
    // The partition leader refuses the old epoch (INVALID_PRODUCER_EPOCH, abortable as in the
    // Java client since KIP-588); the coordinator then tells the zombie it was fenced.
    await assert.rejects(zombie.send({ topic, value: "late" }), KafkaBrokerError);
    await assert.rejects(zombie.abortTransaction(), ProducerFencedError);
    assert.throws(() => zombie.beginTransaction(), ProducerFencedError);
    successor.beginTransaction();
    await successor.send({ topic, value: "from the successor" });
    await successor.commitTransaction();
  } finally {
    await zombie.close();
    await successor.close();
  }
  const visible = (await readTopic(topic, READ_COMMITTED)).map((r) => r.value);
  assert.deepEqual(visible, ["from the successor"]);
});

test(
  "transactional calls out of order reject with typed errors",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("txn-order");
    await createTopic(topic, 1);
    const producer = transactional(uniqueTopic("txn-id"));
    try {
      assert.throws(() => producer.beginTransaction(), TransactionStateError, "begin before init");
      await producer.initTransactions();
      await assert.rejects(producer.initTransactions(), TransactionStateError, "init twice");
      await assert.rejects(
        producer.send({ topic, value: "v" }),
        TransactionStateError,
        "send outside",
      );
      await assert.rejects(
        producer.commitTransaction(),
        TransactionStateError,
        "commit without begin",
      );
      await assert.rejects(
        producer.abortTransaction(),
        TransactionStateError,
        "abort without begin",
      );
      producer.beginTransaction();
      assert.throws(() => producer.beginTransaction(), TransactionStateError, "begin twice");
      for (const offset of ["5", -1, 1.5]) {
        await assert.rejects(
          // deno-lint-ignore no-explicit-any -- what a plain JavaScript caller may pass
          producer.sendOffsetsToTransaction([{ topic, partition: 0, offset: offset as any }], "g"),
          (e: unknown) => e instanceof InvalidRecordError && /offset/.test(e.message),
          `offset ${offset}`,
        );
      }
      await producer.abortTransaction();
    } finally {
      await producer.close();
    }
    const plain = new KafkaProducer({ bootstrapServers: bootstrapServers() });
    try {
      await assert.rejects(plain.initTransactions(), TransactionStateError, "no transactionalId");
    } finally {
      await plain.close();
    }
    assert.throws(
      () => transactional("x", { enableIdempotence: false }),
      (e: unknown) => e instanceof ConfigError && e.field === "enableIdempotence",
    );
  },
);
