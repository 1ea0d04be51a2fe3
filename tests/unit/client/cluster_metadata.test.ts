/**
 * ClusterMetadata without a broker: a topic first wanted while a Metadata request is in flight
 * (so not in its response) makes the producer ask again instead of waiting until maxBlockMs.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ClusterMetadata } from "../../../src/client/cluster_metadata.ts";
import { TimeoutError } from "../../../src/errors.ts";
import type { MetadataResponse } from "../../../src/protocol/messages/metadata.ts";
import { metadataResponse } from "../../_lib/metadata_response.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

function response(topics: string[]): MetadataResponse {
  return metadataResponse(Object.fromEntries(topics.map((name) => [name, [1]])));
}

test("a topic wanted while a Metadata request is in flight is asked for again", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
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

test("a leader named by a Produce response is taken only with a newer epoch and a known address", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const metadata = new ClusterMetadata(300_000);
  metadata.update(metadataResponse({ t: [1, 1] }), Date.now()); // leader epochs 0
  const move = (leaderId: number, leaderEpoch: number, partition = 0) => ({
    topic: "t",
    partition,
    leaderId,
    leaderEpoch,
  });
  assert.deepEqual(metadata.updatePartitionLeadership([move(2, 0)], []), [], "epoch not newer");
  assert.deepEqual(metadata.updatePartitionLeadership([move(2, 1)], []), [], "node 2 unknown");
  assert.deepEqual(
    metadata.updatePartitionLeadership([move(2, 1, 5), { ...move(2, 1), topic: "u" }], [
      { nodeId: 2, host: "127.0.0.1", port: 9102 },
    ]),
    [],
    "unknown partitions",
  );
  assert.equal(metadata.endpointOf(2), undefined, "nothing moved: no address taken in");
  const moved = metadata.updatePartitionLeadership([move(2, 1)], [
    { nodeId: 2, host: "127.0.0.1", port: 9102 },
  ]);
  assert.deepEqual(moved, [{ topic: "t", partition: 0 }]);
  assert.equal(metadata.leaderFor("t", 0), 2);
  assert.equal(metadata.leaderEpochFor("t", 0), 1);
  assert.deepEqual(metadata.endpointOf(2), { host: "127.0.0.1", port: 9102 });
  assert.deepEqual(metadata.partitionsLedBy(2), [{ topic: "t", partition: 0 }]);
  assert.deepEqual(metadata.partitionsLedBy(1), [{ topic: "t", partition: 1 }]);
  assert.deepEqual(metadata.availablePartitions("t"), [0, 1]);
});

test("the nodes to ask: bootstrap addresses, then the brokers, then bootstrap after rebootstrap", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const metadata = new ClusterMetadata(300_000, [{ host: "b", port: 1 }]);
  assert.deepEqual(metadata.nodeCandidates(), [[-1, { host: "b", port: 1 }]]);
  metadata.update(metadataResponse({ t: [1] }), Date.now());
  assert.deepEqual(metadata.nodeCandidates(), [[1, { host: "127.0.0.1", port: 9001 }]]);
  metadata.rebootstrap();
  assert.deepEqual(metadata.nodeCandidates(), [[-1, { host: "b", port: 1 }]]);
  assert.equal(metadata.timeToNextUpdate(Date.now()), 0);
  assert.equal(metadata.leaderFor("t", 0), 1, "leaders kept until the next response");
});

test("a topic not in metadata within maxBlockMs: the TimeoutError carries the last failure", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const metadata = new ClusterMetadata(300_000);
  const cause = new Error("cannot connect to 127.0.0.1:1", { cause: new Error("refused") });
  metadata.noteFailure(cause);
  await assert.rejects(metadata.waitForTopic("t", Date.now() + 10), (error: Error) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.cause, cause);
    assert.match(error.message, /last error: cannot connect to 127\.0\.0\.1:1: refused/);
    return true;
  });
});
