/**
 * What {@link KafkaAdmin.metadata} returns: the cluster's brokers and the topics asked for, with
 * their partitions, leaders and replicas. Its own types, so the wire format can change under it.
 *
 * @module
 */

import type { MetadataResponse } from "../protocol/messages/metadata.ts";

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
  /** True for Kafka's own topics (e.g. __consumer_offsets). */
  isInternal: boolean;
  /** Its partitions. */
  partitions: PartitionMetadata[];
}

/** The cluster as one broker sees it, and the topics asked for. */
export interface ClusterInfo {
  /** The cluster's id. */
  clusterId: string | null;
  /** The node id the broker names as controller. */
  controllerId: number;
  /** The brokers of the cluster. */
  brokers: BrokerMetadata[];
  /** The topics asked for (every topic when none was named). */
  topics: TopicMetadata[];
}

/** The public view of a Metadata response. */
export function clusterInfo(response: MetadataResponse): ClusterInfo {
  return {
    clusterId: response.clusterId,
    controllerId: response.controllerId,
    brokers: response.brokers.map(({ nodeId, host, port, rack }) => ({ nodeId, host, port, rack })),
    topics: response.topics.map((topic) => ({
      errorCode: topic.errorCode,
      name: topic.name,
      isInternal: topic.isInternal,
      partitions: topic.partitions.map((p) => ({
        errorCode: p.errorCode,
        partitionIndex: p.partitionIndex,
        leaderId: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicaNodes,
        isrNodes: p.isrNodes,
        offlineReplicas: p.offlineReplicas,
      })),
    })),
  };
}
