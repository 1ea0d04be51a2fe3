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
        topic.partitions.every((p) => p.errorCode === 0 && p.leaderId >= 0);
      if (ready) return metadata;
      if (Date.now() > deadline) throw new Error(`topic ${name} has no leaders after 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    admin.close();
  }
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
