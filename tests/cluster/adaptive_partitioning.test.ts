/**
 * Adaptive partitioning (KIP-794) on a 3-node cluster with one slow node: a Kafka-aware proxy in
 * front of the cluster delays every Produce response of one broker. Records without a key are
 * sent as fast as the producer takes them (its buffer memory, 1 MiB, is the limit), once with
 * adaptive partitioning (the default) and once without, each to a topic of its own with 6
 * single-replica partitions (2 led by each node). Without it the slow node's partitions get
 * their uniform third; with it, clearly less: batches wait in the slow node's queues, and the
 * sticky partitioner draws those partitions less often. kcat counts each partition's records:
 * they match what the producer reported.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KafkaAdmin, KafkaProducer, type RecordMetadata } from "../../mod.ts";
import { brokerSh, readTopic } from "../_lib/kafka.ts";
import { startKafkaProxy } from "../_lib/kafka_proxy.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

const PARTITIONS = 6;
const RECORDS = 8000;
const VALUE = "x".repeat(1000);
/** 8 records per sticky partition before a new one is drawn: about 1000 draws in a run. */
const BATCH_SIZE = 8192;
/**
 * Each Produce response of the slow node reaches the producer this much later: with 5 requests
 * in flight, one batch per partition each, that node takes at most 2 × 5 × 8 KiB per 250 ms.
 */
const SLOW_MS = 250;

/** Sends RECORDS unkeyed records through `bootstrap`; returns how many went to each partition. */
async function spread(bootstrap: string, topic: string, adaptive: boolean): Promise<number[]> {
  const producer = new KafkaProducer({
    bootstrapServers: [bootstrap],
    partitionerAdaptivePartitioningEnable: adaptive,
    batchSize: BATCH_SIZE,
    bufferMemory: 1024 * 1024,
  });
  try {
    const records = Array.from({ length: RECORDS }, () => ({ topic, value: VALUE }));
    // sendBatch takes records as fast as buffer memory allows, like a busy application.
    const results: RecordMetadata[] = await producer.sendBatch(records);
    const counts = new Array<number>(PARTITIONS).fill(0);
    for (const { partition } of results) counts[partition]++;
    return counts;
  } finally {
    await producer.close();
  }
}

test(
  "3 nodes, one slow: adaptive partitioning sends it clearly fewer unkeyed records than uniform",
  { timeout: HARNESS_TIMEOUT_MS },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "kafka-edge-adaptive-"));
    try {
      const brokers = (await brokerSh(["start", "--dir", dir, "--nodes", "3", "--port", "auto"]))
        .trim()
        .split(",");
      const admin = await KafkaAdmin.connect({ bootstrapServers: brokers });
      const topics = { adaptive: "adaptive-on", uniform: "adaptive-off" };
      await admin.createTopics(
        Object.values(topics).map((name) => ({
          name,
          numPartitions: PARTITIONS,
          replicationFactor: 1,
        })),
      );
      // Wait until every partition has a leader; the slow node is partition 0's.
      // Right after creation a topic may come back with no partitions yet.
      const ready = (t: { partitions: { leaderId: number }[] }) =>
        t.partitions.length === PARTITIONS && t.partitions.every((p) => p.leaderId >= 0);
      let info = await admin.metadata(Object.values(topics));
      while (info.topics.length < 2 || !info.topics.every(ready)) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        info = await admin.metadata(Object.values(topics));
      }
      admin.close();
      const slowNode = info.topics[0].partitions.find((p) => p.partitionIndex === 0)!.leaderId;
      const slowBroker = info.brokers.find((b) => b.nodeId === slowNode)!;
      const slowAddress = `${slowBroker.host}:${slowBroker.port}`;

      const proxy = await startKafkaProxy(brokers[0]);
      try {
        proxy.addRule({
          api: "Produce",
          match: (request) => request.broker === slowAddress,
          times: Infinity,
          action: { delayMs: SLOW_MS },
        });
        const shares: Record<string, number> = {};
        for (const [mode, topic] of Object.entries(topics)) {
          const started = Date.now();
          const counts = await spread(proxy.bootstrap, topic, mode === "adaptive");
          const tookMs = Date.now() - started;
          const slowPartitions = info.topics.find((t) => t.name === topic)!.partitions
            .filter((p) => p.leaderId === slowNode).map((p) => p.partitionIndex);
          assert.equal(slowPartitions.length, PARTITIONS / 3, `${topic}: 2 partitions per node`);
          const slow = slowPartitions.reduce((sum, p) => sum + counts[p], 0);
          shares[mode] = slow / RECORDS;
          console.log(
            `adaptive partitioning ${mode === "adaptive" ? "on " : "off"}: records per ` +
              `partition ${counts.join(" ")}; slow node (partitions ${slowPartitions}) ` +
              `${(100 * shares[mode]).toFixed(1)}% (${tookMs} ms)`,
          );
          // The independent consumer finds each partition's records where they were reported.
          const read = new Array<number>(PARTITIONS).fill(0);
          for (const record of await readTopic(topic, [], brokers)) read[record.partition]++;
          assert.deepEqual(read, counts, `${topic}: kcat's count per partition`);
        }
        // Uniform: a third, give or take the draws (about 1000 of them: a standard deviation
        // of 1.5 points). Adaptive: the first MiB goes out before any queue is longer than
        // another, after which the slow queues weigh the slow partitions down (about 11% in
        // all, seen here). The bounds leave the noise many standard deviations of room.
        assert.ok(shares.adaptive < 0.25, `adaptive share ${shares.adaptive}`);
        assert.ok(
          shares.uniform - shares.adaptive > 0.1,
          `adaptive share ${shares.adaptive} not clearly below the uniform ${shares.uniform}`,
        );
      } finally {
        await proxy.close();
      }
    } finally {
      await brokerSh(["stop", "--dir", dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
