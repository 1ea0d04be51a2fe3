/**
 * ClusterMetadata without a broker: a topic first wanted while a Metadata request is in flight
 * (so not in its response) makes the producer ask again instead of waiting until maxBlockMs.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ClusterMetadata } from "../../../src/client/cluster_metadata.ts";
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
