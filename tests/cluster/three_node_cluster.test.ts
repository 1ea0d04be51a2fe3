/**
 * The 3-node harness works end to end: three combined KRaft nodes start together, a topic with
 * replication factor 3 accepts acks=all writes, and they keep being accepted after the leader's
 * process is killed (SIGKILL) and again after it is restarted.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaAdmin } from "../../src/admin/admin.ts";
import { Connection } from "../../src/client/connection.ts";
import { parseEndpoint } from "../../src/client/bootstrap.ts";
import { encodeRecordBatch } from "../../src/protocol/record_batch.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { brokerSh } from "../_lib/kafka.ts";
import { produceBatch } from "../_lib/plain_client.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

/** The partition's leader once metadata names one with at least two in-sync replicas, not `avoid`. */
async function leaderOf(bootstrap: string[], topic: string, avoid = -1) {
  const admin = await KafkaAdmin.connect({ bootstrapServers: bootstrap });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const metadata = await admin.metadata([topic]);
      const partition = metadata.topics[0]?.partitions[0];
      const leader = metadata.brokers.find((b) => b.nodeId === partition?.leaderId);
      if (
        partition?.errorCode === 0 && leader && leader.nodeId !== avoid &&
        partition.isrNodes.length >= 2
      ) {
        return { nodeId: leader.nodeId, endpoint: parseEndpoint(`${leader.host}:${leader.port}`) };
      }
      if (Date.now() > deadline) throw new Error(`no leader for ${topic}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    admin.close();
  }
}

async function produceOne(
  bootstrap: string[],
  topic: string,
  value: string,
  avoid = -1,
): Promise<bigint> {
  const { endpoint } = await leaderOf(bootstrap, topic, avoid);
  const connection = await Connection.open(detectTransport(), endpoint, {
    clientId: "cluster-test",
    requestTimeoutMs: 15_000,
    maxResponseSize: 1 << 20,
    softwareName: "kafka-edge-tests",
    softwareVersion: "0",
  });
  try {
    const records = encodeRecordBatch([
      { timestamp: Date.now(), key: null, value: new TextEncoder().encode(value), headers: [] },
    ]);
    return await produceBatch(connection, topic, 0, records, { acks: -1 });
  } finally {
    connection.close();
  }
}

test("three-node cluster: writes survive killing and restarting the leader", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "kafka-edge-cluster-"));
  try {
    const bootstrap = (await brokerSh(["start", "--dir", dir, "--nodes", "3", "--port", "auto"]))
      .trim()
      .split(",");
    assert.equal(bootstrap.length, 3);
    const admin = await KafkaAdmin.connect({ bootstrapServers: bootstrap });
    const metadata = await admin.metadata();
    assert.deepEqual(metadata.brokers.map((b) => b.nodeId).sort(), [1, 2, 3]);
    await admin.createTopics([{
      name: "replicated",
      numPartitions: 1,
      replicationFactor: 3,
      configs: { "min.insync.replicas": "2" },
    }]);
    admin.close();

    assert.equal(await produceOne(bootstrap, "replicated", "before"), 0n);
    const { nodeId } = await leaderOf(bootstrap, "replicated");
    await brokerSh(["kill-node", "--dir", dir, "--node", String(nodeId)]);
    const survivors = bootstrap.filter((_, i) => i + 1 !== nodeId);
    assert.equal(await produceOne(survivors, "replicated", "leader killed", nodeId), 1n);
    await brokerSh(["start-node", "--dir", dir, "--node", String(nodeId)]);
    assert.equal(await produceOne(bootstrap, "replicated", "leader back"), 2n);
  } finally {
    await brokerSh(["stop", "--dir", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});
