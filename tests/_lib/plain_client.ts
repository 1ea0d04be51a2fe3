/**
 * The codec used directly, without the producer: a connection to the bootstrap broker, topic
 * creation, and waiting until a new topic's partitions have leaders.
 */

import { KafkaAdmin } from "../../src/admin/admin.ts";
import { KafkaBrokerError } from "../../src/errors.ts";
import { connectAny, parseEndpoint } from "../../src/client/bootstrap.ts";
import type { Connection } from "../../src/client/connection.ts";
import type { ClusterInfo } from "../../mod.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { bootstrapServers } from "./kafka.ts";

export function openConnection(
  bootstrap: readonly string[] = bootstrapServers(),
): Promise<Connection> {
  return connectAny(detectTransport(), bootstrap.map(parseEndpoint), {
    clientId: "kafka-edge-tests",
    requestTimeoutMs: 15_000,
    maxResponseSize: 64 * 1024 * 1024,
    softwareName: "kafka-edge-tests",
    softwareVersion: "0",
  });
}

/** Creates a topic (on the test broker, else on `bootstrap`) and waits until its partitions have leaders. */
export async function createTopic(
  name: string,
  numPartitions: number,
  configs: Record<string, string> = {},
  bootstrap: readonly string[] = bootstrapServers(),
): Promise<ClusterInfo> {
  const admin = await KafkaAdmin.connect({ bootstrapServers: [...bootstrap] });
  try {
    await admin.createTopics([{ name, numPartitions, replicationFactor: 1, configs }]);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const metadata = await admin.metadata([name]);
      const topic = metadata.topics[0];
      const ready = topic?.errorCode === 0 && topic.partitions.length === numPartitions &&
        topic.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0);
      if (ready) return metadata;
      if (Date.now() > deadline) throw new Error(`topic ${name} has no leaders after 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    admin.close();
  }
}

/**
 * Produces one encoded batch to one partition and returns its base offset. A partition whose
 * leader was just elected can answer NOT_LEADER_OR_FOLLOWER or LEADER_NOT_AVAILABLE for a
 * moment (nothing is written then), so those are retried for a few seconds.
 */
export async function produceBatch(
  connection: Connection,
  topic: string,
  partition: number,
  records: Uint8Array,
  options: { acks?: number; version?: number } = {},
): Promise<bigint> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await connection.request(Produce, {
      transactionalId: null,
      acks: options.acks ?? -1,
      timeoutMs: 10_000,
      topics: [{ topic, partitions: [{ partition, records }] }],
    }, options.version ?? connection.versionOf(Produce));
    const result = response.topics[0].partitions[0];
    if (result.errorCode === 0) return result.baseOffset;
    const leaderMoving = result.errorCode === 5 || result.errorCode === 6;
    if (!leaderMoving || Date.now() > deadline) {
      throw new KafkaBrokerError(result.errorCode, `Produce to ${topic}[${partition}]`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
