/**
 * Failover on a 3-node cluster: an idempotent producer sends a bounded stream to a topic with
 * replication factor 3 and min.insync.replicas 2 while the partition leaders' processes are
 * killed (SIGKILL) and restarted in turn. kcat must then see every record exactly once, in send
 * order per partition, and every promise must have resolved.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { KafkaAdmin, KafkaProducer, type RecordMetadata } from "../../mod.ts";
import { brokerSh, readTopic } from "../_lib/kafka.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

const RECORDS = 500_000;
/** Paced so that the stream spans several kill-and-restart cycles (about 50 s). */
const RECORDS_PER_SECOND = 10_000;
const PARTITIONS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(
  "3 nodes: leaders killed and restarted in turn while 500k records flow; every record once, in order",
  { timeout: HARNESS_TIMEOUT_MS },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "kafka-edge-failover-"));
    try {
      const bootstrap = (await brokerSh(["start", "--dir", dir, "--nodes", "3", "--port", "auto"]))
        .trim()
        .split(",");
      const admin = await KafkaAdmin.connect({ bootstrapServers: bootstrap });
      await admin.createTopics([{
        name: "failover",
        numPartitions: PARTITIONS,
        replicationFactor: 3,
        configs: { "min.insync.replicas": "2" },
      }]);
      admin.close();

      const producer = new KafkaProducer({
        bootstrapServers: bootstrap,
        lingerMs: 5,
        requestTimeoutMs: 10_000,
        deliveryTimeoutMs: 120_000,
      });
      const sends: Promise<RecordMetadata>[] = [];
      let sendingDone = false;
      const sending = (async () => {
        const start = Date.now();
        for (let i = 0; i < RECORDS; i++) {
          sends.push(producer.send({ topic: "failover", key: `k${i % 30}`, value: String(i) }));
          if (i % 1000 === 999) {
            await sleep(Math.max(0, start + (i * 1000) / RECORDS_PER_SECOND - Date.now()));
          }
        }
        sendingDone = true;
      })();
      // SIGKILL each node in turn (each leads some of the partitions) and restart it, for as long
      // as records are being sent.
      let kills = 0;
      while (!sendingDone) {
        const node = (kills % 3) + 1;
        await sleep(1000);
        await brokerSh(["kill-node", "--dir", dir, "--node", String(node)]);
        kills++;
        await sleep(1000);
        await brokerSh(["start-node", "--dir", dir, "--node", String(node)]);
      }
      assert.ok(kills >= 3, `only ${kills} kills while sending`); // every node at least once
      console.log(
        `failover: ${kills} nodes killed and restarted while ${RECORDS} records were sent`,
      );
      await sending;
      const results = await Promise.allSettled(sends);
      await producer.close();
      const failures = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
      assert.equal(
        failures.length,
        0,
        `${failures.length} sends failed, first: ${failures[0]?.reason}`,
      );

      // kcat reads from KAFKA_BOOTSTRAP: point it at this cluster for the read, then restore it.
      const suiteBroker = process.env.KAFKA_BOOTSTRAP;
      process.env.KAFKA_BOOTSTRAP = bootstrap.join(",");
      const read = await readTopic("failover").finally(() => {
        if (suiteBroker === undefined) delete process.env.KAFKA_BOOTSTRAP;
        else process.env.KAFKA_BOOTSTRAP = suiteBroker;
      });
      assert.equal(read.length, RECORDS, "kcat sees every record exactly once");
      assert.equal(new Set(read.map((r) => r.value)).size, RECORDS, "no duplicates");
      for (let p = 0; p < PARTITIONS; p++) {
        const order = read.filter((r) => r.partition === p).map((r) => Number(r.value));
        assert.deepEqual(
          order,
          [...order].sort((a, b) => a - b),
          `partition ${p} out of send order`,
        );
      }
      // Every promise resolved to where kcat found its record.
      const at = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r.value]));
      results.forEach((result, i) => {
        const meta = (result as PromiseFulfilledResult<RecordMetadata>).value;
        assert.equal(at.get(`${meta.partition}/${meta.offset}`), String(i), `record ${i}`);
      });
    } finally {
      await brokerSh(["stop", "--dir", dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
