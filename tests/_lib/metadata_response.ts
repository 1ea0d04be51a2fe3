/** Metadata responses for unit tests that need a cluster without a broker. */

import type { MetadataResponse } from "../../src/protocol/messages/metadata.ts";

/**
 * A Metadata response in which `topics` maps each topic to the leader of each of its partitions
 * (index = partition). Every leader is a broker at 127.0.0.1:(9000 + its id).
 */
export function metadataResponse(topics: Readonly<Record<string, number[]>>): MetadataResponse {
  const nodeIds = [...new Set(Object.values(topics).flat())].sort((a, b) => a - b);
  return {
    throttleTimeMs: 0,
    brokers: nodeIds.map((nodeId) => ({
      nodeId,
      host: "127.0.0.1",
      port: 9000 + nodeId,
      rack: null,
    })),
    clusterId: null,
    controllerId: nodeIds[0] ?? -1,
    errorCode: 0,
    topics: Object.entries(topics).map(([name, leaders]) => ({
      errorCode: 0,
      name,
      topicId: new Uint8Array(16),
      isInternal: false,
      partitions: leaders.map((leaderId, partitionIndex) => ({
        errorCode: 0,
        partitionIndex,
        leaderId,
        leaderEpoch: 0,
        replicaNodes: [leaderId],
        isrNodes: [leaderId],
        offlineReplicas: [],
      })),
    })),
  };
}
