/**
 * A bootstrap list whose first addresses are dead from the start (issue 14): two accept
 * connections and never answer (as a host that drops packets, or a hung process, does), one
 * refuses them. The producer must reach the live broker behind them without waiting for the
 * silent attempt to time out, and deliver (kcat judges).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaAdmin, KafkaProducer } from "../../mod.ts";
import { closedPort, silentListener } from "../_lib/dead_addresses.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

test(
  "bootstrap addresses that refuse or never answer, then the broker: delivered within maxBlockMs",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("dead-bootstrap");
    await createTopic(topic, 1);
    const silent = [await silentListener(), await silentListener()];
    const producer = new KafkaProducer({
      bootstrapServers: [
        ...silent.map((s) => s.address),
        `127.0.0.1:${await closedPort()}`,
        ...bootstrapServers(),
      ],
      // The silent attempt would end only after this; the records must not wait for it.
      socketConnectionSetupTimeoutMs: 120_000,
      maxBlockMs: 20_000,
    });
    const values = ["a", "b", "c"];
    try {
      const metas = await Promise.all(values.map((value) => producer.send({ topic, value })));
      assert.deepEqual(metas.map((m) => m.offset), [0n, 1n, 2n]);
    } finally {
      await producer.close();
      for (const s of silent) await s.close();
    }
    assert.deepEqual((await readTopic(topic)).map((r) => r.value), values);
  },
);

/** `promise`, or a rejection naming `what` if it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test(
  "KafkaAdmin and a transactional producer behind a bootstrap address that never answers",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("dead-bootstrap-txn");
    const silent = await silentListener();
    const bootstrap = [silent.address, ...bootstrapServers()];
    const producer = new KafkaProducer({
      bootstrapServers: bootstrap,
      transactionalId: uniqueTopic("dead-bootstrap"),
      socketConnectionSetupTimeoutMs: 120_000,
      maxBlockMs: 20_000,
    });
    try {
      // The silent attempt would end only after requestTimeoutMs (ApiVersions unanswered).
      const admin = await within(
        KafkaAdmin.connect({ bootstrapServers: bootstrap, requestTimeoutMs: 120_000 }),
        20_000,
        "KafkaAdmin.connect",
      );
      await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
      admin.close();
      await within(producer.initTransactions(), 20_000, "initTransactions");
      producer.beginTransaction();
      const sent = producer.send({ topic, value: "committed" });
      await within(producer.commitTransaction(), 20_000, "commitTransaction");
      assert.equal((await sent).offset, 0n);
    } finally {
      await producer.close();
      await silent.close();
    }
    const read = await readTopic(topic, ["-X", "isolation.level=read_committed"]);
    assert.deepEqual(read.map((r) => r.value), ["committed"]);
  },
);
