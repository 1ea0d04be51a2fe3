/**
 * The codec used directly, without the producer: a connection to the bootstrap broker, topic
 * creation (waiting until a new topic's partitions have leaders) and deletion, topic ids.
 */

import { KafkaAdmin } from "../../src/admin/admin.ts";
import { KafkaBrokerError } from "../../src/errors.ts";
import { connectAny, parseEndpoint } from "../../src/client/bootstrap.ts";
import type { Connection } from "../../src/client/connection.ts";
import type { ClusterInfo } from "../../mod.ts";
import type { Api } from "../../src/protocol/api.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
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
        topic.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0) &&
        await leadersServe(metadata, name);
      if (ready) return metadata;
      if (Date.now() > deadline) throw new Error(`topic ${name} has no leaders after 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    admin.close();
  }
}

/** ListOffsets v1 (key 2), which the package does not speak: the error code per partition. */
const ListOffsets: Api<{ topic: string; partitions: readonly number[] }, number[]> = {
  name: "ListOffsets",
  key: 2,
  minVersion: 1,
  maxVersion: 1,
  firstFlexibleVersion: Infinity,
  encodeRequest(w, request) {
    w.int32(-1); // replica id: a client
    w.array([request.topic], false, (w, topic) => {
      w.string(topic);
      w.array(request.partitions, false, (w, partition) => w.int32(partition).int64(-1n));
    });
  },
  decodeResponse(r) {
    return r.array(false, (t) => {
      t.string();
      return t.array(false, (p) => {
        p.int32();
        const code = p.int16();
        p.int64(); // timestamp
        p.int64(); // offset
        return code;
      });
    }).flat();
  },
};

/**
 * Whether every partition's leader serves it. Metadata names a new partition's leader a moment
 * before that broker takes requests for it (Kafka 4.x answers NOT_LEADER_OR_FOLLOWER meanwhile),
 * so a leader is asked for the partition's end offset, which writes nothing.
 */
async function leadersServe(metadata: ClusterInfo, name: string): Promise<boolean> {
  const byLeader = new Map<number, number[]>();
  for (const p of metadata.topics[0].partitions) {
    byLeader.set(p.leaderId, [...(byLeader.get(p.leaderId) ?? []), p.partitionIndex]);
  }
  for (const [leader, partitions] of byLeader) {
    const broker = metadata.brokers.find((b) => b.nodeId === leader);
    if (!broker) return false;
    const connection = await openConnection([`${broker.host}:${broker.port}`]);
    try {
      const codes = await connection.request(ListOffsets, { topic: name, partitions }, 1);
      if (codes.some((code) => code !== 0)) return false;
    } finally {
      connection.close();
    }
  }
  return true;
}

/** DeleteTopics v4 (key 20), which the package does not speak: topics by name, flexible. */
const DeleteTopics: Api<{ names: readonly string[]; timeoutMs: number }, number[]> = {
  name: "DeleteTopics",
  key: 20,
  minVersion: 4,
  maxVersion: 4,
  firstFlexibleVersion: 4,
  encodeRequest(w, request) {
    w.array(request.names, true, (w, name) => w.compactString(name));
    w.int32(request.timeoutMs).emptyTaggedFields();
  },
  decodeResponse(r) {
    r.int32(); // throttle time
    const codes = r.array(true, (t) => {
      t.compactString();
      const code = t.int16();
      t.taggedFields();
      return code;
    }, 4);
    r.taggedFields();
    return codes;
  },
};

/** Deletes a topic (its data with it) and resolves once the broker has done so. */
export async function deleteTopic(connection: Connection, name: string): Promise<void> {
  const [code] = await connection.request(DeleteTopics, { names: [name], timeoutMs: 15_000 }, 4);
  if (code !== 0) throw new KafkaBrokerError(code, `DeleteTopics ${name}`);
}

/** A topic's id (16 bytes) as the broker's Metadata names it. */
export async function topicIdOf(connection: Connection, topic: string): Promise<Uint8Array> {
  const response = await connection.request(Metadata, {
    topics: [topic],
    allowAutoTopicCreation: false,
  });
  const id = response.topics.find((t) => t.name === topic)?.topicId;
  if (!id || id.every((b) => b === 0)) throw new Error(`no topic id for ${topic}`);
  return id.slice();
}

/**
 * Produces one encoded batch to one partition and returns its base offset. A partition whose
 * leader was just elected can answer NOT_LEADER_OR_FOLLOWER or LEADER_NOT_AVAILABLE for a
 * moment (nothing is written then), so those are retried for a few seconds. By default the
 * topic goes by name (Produce ≤ v12); with `topicId`, v13 (by id) where the broker speaks it.
 */
export async function produceBatch(
  connection: Connection,
  topic: string,
  partition: number,
  records: Uint8Array,
  options: { acks?: number; version?: number; topicId?: Uint8Array } = {},
): Promise<bigint> {
  const deadline = Date.now() + 10_000;
  const { topicId } = options;
  const newest = Math.min(connection.versionOf(Produce), topicId ? 13 : 12);
  for (;;) {
    const response = await connection.request(Produce, {
      transactionalId: null,
      acks: options.acks ?? -1,
      timeoutMs: 10_000,
      topics: [{ topic, topicId, partitions: [{ partition, records }] }],
    }, options.version ?? newest);
    const result = response.topics[0].partitions[0];
    if (result.errorCode === 0) return result.baseOffset;
    const leaderMoving = result.errorCode === 5 || result.errorCode === 6;
    if (!leaderMoving || Date.now() > deadline) {
      throw new KafkaBrokerError(result.errorCode, `Produce to ${topic}[${partition}]`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
