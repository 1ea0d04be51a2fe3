/**
 * ClusterMetadata without a broker: a topic first wanted while a Metadata request is in flight
 * (so not in its response) makes the producer ask again instead of waiting until maxBlockMs.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ClusterMetadata } from "../../src/producer/cluster_metadata.ts";
import type { MetadataResponse } from "../../src/protocol/messages/metadata.ts";

function response(topics: string[]): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }],
    clusterId: null,
    controllerId: 1,
    errorCode: 0,
    topics: topics.map((name) => ({
      errorCode: 0,
      name,
      topicId: new Uint8Array(16),
      isInternal: false,
      partitions: [{
        errorCode: 0,
        partitionIndex: 0,
        leaderId: 1,
        leaderEpoch: 0,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: [],
      }],
    })),
  };
}

test("a topic wanted while a Metadata request is in flight is asked for again", async () => {
  const metadata = new ClusterMetadata(300_000);
  const now = Date.now();
  assert.deepEqual(metadata.wantedTopics(), []); // the first request goes out asking for none
  const waiting = metadata.waitForTopic("late", now + 60_000); // then a send needs "late"
  metadata.update(response([]), now); // the answer to the first request
  assert.equal(metadata.timeToNextUpdate(now), 0, "a refresh is due at once");
  assert.deepEqual(metadata.wantedTopics(), ["late"]);
  metadata.update(response(["late"]), now);
  await waiting;
  assert.equal(metadata.partitionCount("late"), 1);
  assert.ok(metadata.timeToNextUpdate(now) > 0, "nothing missing: no refresh until max age");
});
