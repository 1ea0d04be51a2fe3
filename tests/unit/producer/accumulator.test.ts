/** RecordAccumulator without a network: readiness, draining, backoff and expiry. */

import assert from "node:assert/strict";
import { test } from "node:test";
import { TimeoutError } from "../../../src/errors.ts";
import { RecordAccumulator } from "../../../src/producer/accumulator.ts";
import { BufferPool } from "../../../src/producer/buffer_pool.ts";
import { ClusterMetadata } from "../../../src/client/cluster_metadata.ts";
import { serializeRecord } from "../../../src/producer/record.ts";
import { metadataResponse } from "../../_lib/metadata_response.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

/** Topic "t" with partitions 0-3: partitions 0 and 2 led by node 1, 1 and 3 by node 2. */
function cluster(): ClusterMetadata {
  const metadata = new ClusterMetadata(300_000);
  metadata.update(metadataResponse({ t: [1, 2, 1, 2] }), 0);
  return metadata;
}

function accumulator(
  options: { batchSize?: number; lingerMs?: number; deliveryTimeoutMs?: number } = {},
) {
  return new RecordAccumulator(
    { batchSize: 1024, lingerMs: 100, deliveryTimeoutMs: 10_000, ...options },
    new BufferPool(1 << 20, options.batchSize ?? 1024),
    () => {},
  );
}

const record = (value = "v".repeat(100)) => serializeRecord({ topic: "t", value });

test("a batch becomes ready when lingerMs has passed, and says when that will be", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const metadata = cluster();
  const acc = accumulator();
  acc.appendRecord(record(), 0, 1000)!.catch(() => {});
  let ready = acc.ready(metadata, 1040);
  assert.equal(ready.readyNodes.size, 0);
  assert.equal(ready.nextReadyCheckDelayMs, 60);
  ready = acc.ready(metadata, 1100);
  assert.deepEqual([...ready.readyNodes], [1]);
});

test("a full batch is ready at once; drain takes one batch per partition within maxSize", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const metadata = cluster();
  const acc = accumulator();
  for (let i = 0; i < 20; i++) acc.appendRecord(record(), 0, 0)!.catch(() => {});
  acc.appendRecord(record(), 2, 0)!.catch(() => {});
  const ready = acc.ready(metadata, 1);
  assert.deepEqual([...ready.readyNodes], [1]);
  const drained = acc.drain(metadata, ready.readyNodes, 1 << 20, 1).get(1)!;
  assert.deepEqual(drained.map((b) => b.partition).sort(), [0, 2], "one batch per partition");
  // The second batch of partition 0 stayed for the next request.
  const small = acc.drain(metadata, [1], 100, 1).get(1)!;
  assert.deepEqual(small.map((b) => b.partition), [0]);
  assert.equal(small.length, 1, "a batch larger than maxSize still goes, alone");
});

test(
  "a retried batch waits out its backoff before it is ready again",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    const metadata = cluster();
    const acc = accumulator({ lingerMs: 0 });
    acc.appendRecord(record(), 1, 0)!.catch(() => {});
    const [batch] = acc.drain(metadata, [2], 1 << 20, 0).get(2)!;
    batch.attempts = 1;
    batch.lastAttemptMs = 0;
    batch.retryNotBeforeMs = 500;
    acc.reenqueue(batch);
    const early = acc.ready(metadata, 100);
    assert.equal(early.readyNodes.size, 0);
    assert.equal(early.nextReadyCheckDelayMs, 400);
    assert.deepEqual([...acc.ready(metadata, 500).readyNodes], [2]);
  },
);

test("queued batches past deliveryTimeoutMs fail with a TimeoutError and free their memory", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const pool = new BufferPool(1 << 20, 1024);
  const acc = new RecordAccumulator(
    { batchSize: 1024, lingerMs: 0, deliveryTimeoutMs: 1000 },
    pool,
    () => {},
  );
  const delivery = acc.appendRecord(record(), 3, 0)!;
  assert.equal(acc.timeToNextExpiry(400), 600);
  acc.expireBatches(999);
  assert.equal(
    pool.availableMemory,
    (1 << 20) - 1024,
    "not expired yet: the batch holds its buffer",
  );
  acc.expireBatches(1000);
  await assert.rejects(delivery, TimeoutError);
  assert.equal(pool.availableMemory, 1 << 20);
});

test("a batch that expires in flight keeps its buffer until its request settles", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const pool = new BufferPool(1 << 20, 1024);
  const acc = new RecordAccumulator(
    { batchSize: 1024, lingerMs: 0, deliveryTimeoutMs: 1000 },
    pool,
    () => {},
  );
  const delivery = acc.appendRecord(record(), 0, 0)!;
  const [batch] = acc.drain(cluster(), [1], 1 << 20, 0).get(1)!;
  batch.requestsInFlight++; // as the sender does: a request carries the batch's bytes
  assert.ok(acc.expireIfDue(batch, 1000));
  await assert.rejects(delivery, TimeoutError);
  // The connection may still be writing the batch's bytes: reusing its buffer would change them.
  assert.equal(pool.availableMemory, (1 << 20) - 1024);
  acc.requestSettled(batch);
  assert.equal(pool.availableMemory, 1 << 20);
});

test(
  "partitions without a known leader are reported, not drained",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    const metadata = cluster();
    const acc = accumulator({ lingerMs: 0 });
    acc.appendRecord(serializeRecord({ topic: "other", value: "v" }), 0, 0)!.catch(() => {});
    const ready = acc.ready(metadata, 10);
    assert.equal(ready.readyNodes.size, 0);
    assert.deepEqual([...ready.unknownLeaderTopics], ["other"]);
  },
);
