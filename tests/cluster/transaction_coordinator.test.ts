/**
 * The transaction coordinator's node killed (SIGKILL) in the middle of a transaction, on a 3-node
 * cluster (replication factor 3 everywhere, __transaction_state included): the coordinator moves
 * to another node, and the producer finds it and commits. The transactional id is chosen so that
 * its coordinator leads neither of the two topics' partitions, so that the kill moves the
 * coordinator and nothing else. Before the kill the transaction has records on one topic; after
 * it, records on both (the second topic joins the transaction while the coordinator moves:
 * implicitly, through Produce, with Kafka 4's transaction protocol v2). Then an aborted and a
 * committed transaction. kcat (read_committed, from the surviving nodes) sees the committed
 * records once each, in order, and none of the aborted ones.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KafkaAdmin, KafkaProducer } from "../../mod.ts";
import { FindCoordinator } from "../../src/protocol/messages/find_coordinator.ts";
import { brokerSh, readTopic } from "../_lib/kafka.ts";
import { openConnection } from "../_lib/plain_client.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The node that coordinates `transactionalId`, once the cluster has one. */
async function coordinatorOf(bootstrap: string[], transactionalId: string): Promise<number> {
  const connection = await openConnection(bootstrap);
  try {
    for (let attempt = 0;; attempt++) {
      const response = await connection.request(FindCoordinator, {
        keyType: 1,
        keys: [transactionalId],
      });
      const found = response.coordinators[0];
      if (found?.errorCode === 0) return found.nodeId;
      if (attempt > 60) {
        throw new Error(`no coordinator for ${transactionalId}: ${found?.errorCode}`);
      }
      await sleep(500); // __transaction_state is being created
    }
  } finally {
    connection.close();
  }
}

test(
  "3 nodes: the transaction coordinator killed mid-transaction: it moves, the transaction commits, every record once",
  { timeout: HARNESS_TIMEOUT_MS },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "kafka-edge-txn-coordinator-"));
    try {
      const bootstrap = (await brokerSh(["start", "--dir", dir, "--nodes", "3", "--port", "auto"]))
        .trim()
        .split(",");
      const admin = await KafkaAdmin.connect({ bootstrapServers: bootstrap });
      const topics = ["txn-before", "txn-after"];
      let leaders: number[];
      try {
        await admin.createTopics(topics.map((name) => ({
          name,
          numPartitions: 1,
          replicationFactor: 3,
          configs: { "min.insync.replicas": "2" },
        })));
        for (;;) {
          const metadata = await admin.metadata(topics);
          leaders = metadata.topics.map((t) => t.partitions[0]?.leaderId ?? -1);
          if (leaders.every((l) => l > 0)) break;
          await sleep(200);
        }
      } finally {
        admin.close();
      }
      // A transactional id whose coordinator leads neither topic.
      let transactionalId = "";
      let coordinator = -1;
      for (let i = 0; coordinator < 0 || leaders.includes(coordinator); i++) {
        transactionalId = `coordinator-moves-${i}`;
        coordinator = await coordinatorOf(bootstrap, transactionalId);
      }

      const producer = new KafkaProducer({
        bootstrapServers: bootstrap,
        transactionalId,
        requestTimeoutMs: 10_000,
        deliveryTimeoutMs: 120_000,
        maxBlockMs: 90_000,
      });
      const committed: string[] = [];
      const send = (topic: string, values: string[]) =>
        Promise.all(values.map((value) => producer.send({ topic, value })));
      const values = (prefix: string, n: number) =>
        Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
      try {
        await producer.initTransactions();
        producer.beginTransaction();
        await send("txn-before", values("t1", 100));
        await producer.commitTransaction();
        committed.push(...values("t1", 100));

        producer.beginTransaction();
        await send("txn-before", values("t2-before-kill", 100));
        await brokerSh(["kill-node", "--dir", dir, "--node", String(coordinator)]);
        const killedAt = Date.now();
        await Promise.all([
          send("txn-before", values("t2-after-kill", 100)),
          send("txn-after", values("t2-new-partition", 100)),
        ]);
        await producer.commitTransaction();
        console.log(
          `coordinator node ${coordinator} killed: records and commit done ${
            Date.now() - killedAt
          } ms later`,
        );
        committed.push(
          ...values("t2-before-kill", 100),
          ...values("t2-after-kill", 100),
          ...values("t2-new-partition", 100),
        );

        producer.beginTransaction();
        await send("txn-after", values("t3-aborted", 50));
        await producer.abortTransaction();

        producer.beginTransaction();
        await send("txn-before", values("t4", 50));
        await producer.commitTransaction();
        committed.push(...values("t4", 50));
      } finally {
        await producer.close();
      }

      const survivors = bootstrap.filter((_, i) => i + 1 !== coordinator);
      for (const topic of topics) {
        const read = await readTopic(topic, ["-X", "isolation.level=read_committed"], survivors);
        const expected = committed.filter((v) =>
          topic === "txn-after" ? v.startsWith("t2-new") : !v.startsWith("t2-new")
        );
        assert.deepEqual(read.map((r) => r.value), expected, `${topic}: once each, in order`);
      }
    } finally {
      await brokerSh(["stop", "--dir", dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
