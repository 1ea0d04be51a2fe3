/**
 * A transaction that outlives `transactionTimeoutMs`: the coordinator aborts it and bumps the
 * producer's epoch. What the producer's next call gets, and whether it can go on, with the
 * transaction protocol v2 (the test broker, Kafka 4's default) and v1 (the broker of tests/eos,
 * `transaction.version` 1); both brokers look for timed-out transactions every 0.5 s
 * (scripts/test.sh sets it). The Java producer 4.4, run the same way (through the fault proxy),
 * answers alike except where noted:
 *
 * - a send first: INVALID_PRODUCER_EPOCH from the partition (KafkaBrokerError 47), abortable;
 *   commit refuses (TransactionStateError); abort works and the next transaction commits (v2:
 *   EndTxn accepts the old epoch and gives a new one; v1: EndTxn would be refused as fenced, so
 *   the abort asks InitProducerId with the old epoch, which the coordinator answers with the next
 *   one, KIP-588: here the Java producer gets ProducerFencedException from EndTxn and is done);
 * - a commit first: v2 INVALID_TXN_STATE (KafkaBrokerError 48), v1 ProducerFencedError; both
 *   fatal, as in Java.
 *
 * kcat (read_committed) sees only the records of the transaction after the abort.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  KafkaBrokerError,
  KafkaProducer,
  ProducerFencedError,
  TransactionStateError,
} from "../../mod.ts";
import { bootstrapServers, eosBroker, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const INVALID_PRODUCER_EPOCH = 47;
const INVALID_TXN_STATE = 48;
const TIMEOUT_MS = 2_000;

/** Opens a transaction with one record, lets it time out, then runs `next` on the producer. */
async function timedOut(
  bootstrap: string[],
  next: (producer: KafkaProducer, topic: string) => Promise<string[]>,
): Promise<void> {
  const topic = uniqueTopic("txn-timeout");
  await createTopic(topic, 2, {}, bootstrap);
  const producer = new KafkaProducer({
    bootstrapServers: bootstrap,
    transactionalId: uniqueTopic("txn-timeout-id"),
    transactionTimeoutMs: TIMEOUT_MS,
    maxBlockMs: 10_000,
  });
  let committed: string[];
  try {
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic, partition: 0, value: "timed-out" });
    // The timeout, the coordinator's check (every 0.5 s), and the abort markers.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS + 2_500));
    committed = await next(producer, topic);
  } finally {
    await producer.close();
  }
  const read = await readTopic(topic, ["-X", "isolation.level=read_committed"], bootstrap);
  assert.deepEqual(read.map((r) => r.value), committed);
}

/** A send after the timeout rejects with INVALID_PRODUCER_EPOCH, and commit refuses. */
async function sendRefused(producer: KafkaProducer, topic: string): Promise<void> {
  await assert.rejects(
    producer.send({ topic, partition: 0, value: "late" }),
    (e) => e instanceof KafkaBrokerError && e.code === INVALID_PRODUCER_EPOCH,
  );
  await assert.rejects(producer.commitTransaction(), TransactionStateError);
}

// Both calls of each protocol run side by side (two producers, two topics): one wait for both.
test(
  "transaction protocol v2, a transaction that timed out: a send first is abortable and the producer goes on; a commit first is INVALID_TXN_STATE, fatal",
  {
    timeout: BROKER_TIMEOUT_MS,
  },
  async () => {
    const isInvalidState = (e: unknown) =>
      e instanceof KafkaBrokerError && e.code === INVALID_TXN_STATE;
    await Promise.all([
      timedOut(bootstrapServers(), async (producer, topic) => {
        await sendRefused(producer, topic);
        await producer.abortTransaction();
        producer.beginTransaction();
        await producer.send({ topic, partition: 1, value: "next" });
        await producer.commitTransaction();
        return ["next"];
      }),
      timedOut(bootstrapServers(), async (producer) => {
        await assert.rejects(producer.commitTransaction(), isInvalidState);
        await assert.rejects(producer.abortTransaction(), isInvalidState);
        return [];
      }),
    ]);
  },
);

test(
  "transaction protocol v1, a transaction that timed out: a send first is abortable, then the abort is fenced; a commit first is fenced",
  {
    timeout: BROKER_TIMEOUT_MS,
  },
  async () => {
    await Promise.all([
      timedOut(eosBroker(), async (producer, topic) => {
        await sendRefused(producer, topic);
        await assert.rejects(producer.abortTransaction(), ProducerFencedError);
        assert.throws(() => producer.beginTransaction(), ProducerFencedError);
        return [];
      }),
      timedOut(eosBroker(), async (producer) => {
        await assert.rejects(producer.commitTransaction(), ProducerFencedError);
        await assert.rejects(producer.abortTransaction(), ProducerFencedError);
        return [];
      }),
    ]);
  },
);
