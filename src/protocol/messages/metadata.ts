/**
 * Metadata (key 3): brokers, and for each topic its partitions and their leaders.
 * v4 is the oldest a Kafka 4 broker accepts (it adds AllowAutoTopicCreation); v9+ is flexible;
 * v10+ carries topic ids; v13 adds a top-level error code.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** Metadata request body. `topics: null` asks for every topic. */
export interface MetadataRequest {
  topics: readonly string[] | null;
  allowAutoTopicCreation: boolean;
}

/** One broker of the cluster. */
export interface BrokerMetadata {
  /** The broker's node id. */
  nodeId: number;
  /** Host it advertises. */
  host: string;
  /** Port it advertises. */
  port: number;
  /** Its rack, if configured. */
  rack: string | null;
}

/** One partition of a topic. */
export interface PartitionMetadata {
  /** Kafka error code for this partition, 0 when none (e.g. 5 LEADER_NOT_AVAILABLE). */
  errorCode: number;
  /** The partition number. */
  partitionIndex: number;
  /** Node id of the leader, -1 when there is none. */
  leaderId: number;
  /** The leader's epoch. */
  leaderEpoch: number;
  /** Node ids of all replicas. */
  replicaNodes: number[];
  /** Node ids of the in-sync replicas. */
  isrNodes: number[];
  /** Node ids of replicas that are offline. */
  offlineReplicas: number[];
}

/** One topic. */
export interface TopicMetadata {
  /** Kafka error code for this topic, 0 when none (e.g. 3 UNKNOWN_TOPIC_OR_PARTITION). */
  errorCode: number;
  /** The topic's name. */
  name: string;
  /** 16 bytes; all zero when unknown or before v10. */
  topicId: Uint8Array;
  /** True for Kafka's own topics (e.g. __consumer_offsets). */
  isInternal: boolean;
  /** Its partitions. */
  partitions: PartitionMetadata[];
}

/** Metadata response body. */
export interface MetadataResponse {
  /** How long the broker throttled the request (quota), in ms. */
  throttleTimeMs: number;
  /** The brokers of the cluster. */
  brokers: BrokerMetadata[];
  /** The cluster's id. */
  clusterId: string | null;
  /** The node id the broker names as controller. */
  controllerId: number;
  /** The topics asked for. */
  topics: TopicMetadata[];
  /** Top-level error (v13+), else 0. */
  errorCode: number;
}

const FIRST_FLEXIBLE = 9;
const ZERO_UUID = new Uint8Array(16);

function readInt32Array(r: Reader, flexible: boolean): number[] {
  return r.array(flexible, (item) => item.int32(), 4);
}

/** Metadata v4–v13. */
export const Metadata: Api<MetadataRequest, MetadataResponse> = {
  name: "Metadata",
  key: 3,
  minVersion: 4,
  maxVersion: 13,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: MetadataRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    w.array(request.topics, flexible, (w, name) => {
      if (version >= 10) w.uuid(ZERO_UUID);
      if (flexible) w.compactString(name).emptyTaggedFields();
      else w.string(name);
    });
    w.bool(request.allowAutoTopicCreation);
    if (version >= 8 && version <= 10) w.bool(false); // IncludeClusterAuthorizedOperations
    if (version >= 8) w.bool(false); // IncludeTopicAuthorizedOperations
    if (flexible) w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): MetadataResponse {
    const flexible = version >= FIRST_FLEXIBLE;
    const throttleTimeMs = r.int32();
    const brokers = r.array(flexible, (b): BrokerMetadata => {
      const broker = {
        nodeId: b.int32(),
        host: b.str(flexible),
        port: b.int32(),
        rack: b.nullableStr(flexible),
      };
      if (flexible) b.taggedFields();
      return broker;
    }, 10);
    const clusterId = r.nullableStr(flexible);
    const controllerId = r.int32();
    const topics = r.array(flexible, (t): TopicMetadata => {
      const errorCode = t.int16();
      const name = t.nullableStr(flexible) ?? "";
      const topicId = version >= 10 ? t.uuid() : ZERO_UUID;
      const isInternal = t.bool();
      const partitions = t.array(flexible, (p): PartitionMetadata => {
        const partition = {
          errorCode: p.int16(),
          partitionIndex: p.int32(),
          leaderId: p.int32(),
          leaderEpoch: version >= 7 ? p.int32() : -1,
          replicaNodes: readInt32Array(p, flexible),
          isrNodes: readInt32Array(p, flexible),
          offlineReplicas: version >= 5 ? readInt32Array(p, flexible) : [],
        };
        if (flexible) p.taggedFields();
        return partition;
      }, 10);
      if (version >= 8) t.int32(); // TopicAuthorizedOperations
      if (flexible) t.taggedFields();
      return { errorCode, name, topicId, isInternal, partitions };
    }, 4);
    if (version >= 8 && version <= 10) r.int32(); // ClusterAuthorizedOperations
    const errorCode = version >= 13 ? r.int16() : 0;
    if (flexible) r.taggedFields();
    return { throttleTimeMs, brokers, clusterId, controllerId, topics, errorCode };
  },
};
