/**
 * A broker loses the idempotent producer's state on one partition (its records deleted with
 * DeleteRecords, as retention does, or the producer forgotten after `producer.id.expiration.ms`
 * idle) while another partition has a retry whose outcome is unknown (its response was lost:
 * the broker wrote the batch). Real brokers, provoked for real; the fault proxy only loses the
 * response. kcat judges: every record once, in order per partition.
 *
 * On Kafka 2.1 the next send to the idle partition gets UNKNOWN_PRODUCER_ID past the log start.
 * Before the fix the producer then took a new producer id and renumbered every queued batch, the
 * other partition's retry included, and the broker wrote that retry a second time (issue 14: 20
 * duplicates here). Now only the idle partition starts over under a new epoch, and the retry
 * keeps the epoch and sequence of its first attempt, so the broker recognises it. Kafka 4 accepts
 * a forgotten producer's next batch silently; the same runs check that nothing is lost or doubled
 * there either (DeleteRecords on the test broker; expiry on the broker of tests/eos, which forgets
 * producers idle for 5 s).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaProducer } from "../../mod.ts";
import {
  bootstrapServers,
  brokerSh,
  eosBroker,
  olderBroker,
  readTopic,
  uniqueTopic,
} from "../_lib/kafka.ts";
import { type KafkaProxy, startKafkaProxy } from "../_lib/kafka_proxy.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const UNKNOWN_PRODUCER_ID = 59;
const IDLE = 0;
const BUSY = 1;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Deletes a partition's records up to its high watermark, with Kafka's own tool. */
async function deleteRecords(bootstrap: string[], topic: string, kafka?: string): Promise<void> {
  const file = join(tmpdir(), `${topic}-delete.json`);
  writeFileSync(
    file,
    JSON.stringify({ partitions: [{ topic, partition: IDLE, offset: -1 }], version: 1 }),
  );
  const tool = kafka ? ["--kafka", kafka, "kafka.admin.DeleteRecordsCommand"] : [
    "org.apache.kafka.tools.DeleteRecordsCommand",
  ];
  const out = await brokerSh([
    "tool",
    ...tool,
    "--bootstrap-server",
    bootstrap.join(","),
    "--offset-json-file",
    file,
  ]);
  rmSync(file);
  assert.match(out, /low_watermark: 3/, out);
}

/**
 * Writes 3 records to the idle partition, lets `forget` make the broker lose them, loses the
 * response to 20 records on the busy partition, and while those wait for their retry sends one
 * more to the idle partition. Returns the proxy's log.
 */
async function loseStateDuringRetry(
  bootstrap: string[],
  forget: (topic: string) => Promise<void>,
  deletes: boolean,
): Promise<KafkaProxy> {
  const topic = uniqueTopic("lost-state");
  await createTopic(topic, 2, {}, bootstrap);
  const proxy = await startKafkaProxy(bootstrap[0]);
  const producer = new KafkaProducer({
    bootstrapServers: [proxy.bootstrap],
    lingerMs: 0,
    requestTimeoutMs: 1_500,
    retryBackoffMs: 1_000,
    retryBackoffMaxMs: 1_000,
    deliveryTimeoutMs: 30_000,
    maxBlockMs: 15_000,
  });
  const idle = ["idle-0", "idle-1", "idle-2"];
  const busy = Array.from({ length: 20 }, (_, i) => `busy-${i}`);
  try {
    for (const value of idle) await producer.send({ topic, partition: IDLE, value });
    await forget(topic);
    proxy.addRule({
      api: "Produce",
      match: (r) => r.partitions.some((p) => p.partition === BUSY),
      action: { drop: true },
    });
    const retrying = new Promise<void>((resolve) =>
      producer.on("retry", (e) => e.partition === BUSY && resolve())
    );
    const sent = busy.map((value) => producer.send({ topic, partition: BUSY, value }));
    await retrying; // the response was lost; the retry waits out its backoff
    await producer.send({ topic, partition: IDLE, value: "idle-3" });
    await Promise.all(sent);
  } finally {
    await producer.close();
    await proxy.close();
  }
  const read = await readTopic(topic, [], bootstrap);
  const byPartition = (p: number) => read.filter((r) => r.partition === p).map((r) => r.value);
  assert.deepEqual(byPartition(BUSY), busy, "the busy partition: each record once, in order");
  assert.deepEqual(byPartition(IDLE), deletes ? ["idle-3"] : [...idle, "idle-3"]);
  return proxy;
}

/** The producer id, epoch and sequence of each attempt at the busy partition's batch. */
function busyAttempts(proxy: KafkaProxy): Set<string> {
  return new Set(
    proxy.requests("Produce").flatMap((e) => e.batches).filter((b) => b.partition === BUSY)
      .map((b) => `${b.producerId}/${b.producerEpoch}/${b.baseSequence}`),
  );
}

test(
  "Kafka 2.1: DeleteRecords on an idle partition during another's retry: UNKNOWN_PRODUCER_ID, no duplicates",
  {
    timeout: BROKER_TIMEOUT_MS,
  },
  async () => {
    const bootstrap = olderBroker("2.1.1");
    const proxy = await loseStateDuringRetry(
      bootstrap,
      (topic) => deleteRecords(bootstrap, topic, "2.1.1"),
      true,
    );
    const idleErrors = proxy.requests("Produce").filter((e) =>
      e.partitions.some((p) => p.partition === IDLE)
    ).flatMap((e) => e.brokerErrors);
    assert.ok(idleErrors.includes(UNKNOWN_PRODUCER_ID), `the broker answered ${idleErrors}`);
    assert.equal(busyAttempts(proxy).size, 1, "the retry kept its producer id, epoch and sequence");
  },
);

test("Kafka 4: DeleteRecords on an idle partition during another's retry: no duplicates", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const bootstrap = bootstrapServers();
  const proxy = await loseStateDuringRetry(
    bootstrap,
    (topic) => deleteRecords(bootstrap, topic),
    true,
  );
  assert.equal(busyAttempts(proxy).size, 1, "the retry kept its producer id, epoch and sequence");
});

test(
  "Kafka 4: a producer forgotten on an idle partition (producer.id.expiration.ms) during another's retry: no duplicates",
  {
    timeout: BROKER_TIMEOUT_MS,
  },
  async () => {
    // The broker of tests/eos forgets producers idle for 5 s, checking every 0.5 s.
    const proxy = await loseStateDuringRetry(eosBroker(), () => sleep(7_000), false);
    assert.equal(busyAttempts(proxy).size, 1, "the retry kept its producer id, epoch and sequence");
  },
);
