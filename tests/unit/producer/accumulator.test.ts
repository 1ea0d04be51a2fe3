/**
 * RecordAccumulator without a network: readiness, draining, backoff and expiry, and the partition
 * load it measures for adaptive partitioning.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { TimeoutError } from "../../../src/errors.ts";
import {
  type PartitionLoadListener,
  RecordAccumulator,
} from "../../../src/producer/accumulator.ts";
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
  pool = new BufferPool(1 << 20, options.batchSize ?? 1024),
) {
  return new RecordAccumulator(
    { batchSize: 1024, lingerMs: 100, deliveryTimeoutMs: 10_000, ...options },
    pool,
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
  const acc = accumulator({ lingerMs: 0, deliveryTimeoutMs: 1000 }, pool);
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
  const acc = accumulator({ lingerMs: 0, deliveryTimeoutMs: 1000 }, pool);
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

/** A partition-load listener that keeps the last report per topic. */
function loadRecorder() {
  const reports = new Map<string, { sizes: number[] | null; ids: number[]; measured: number }>();
  const listener: PartitionLoadListener = {
    updatePartitionLoad(topic, queueSizes, partitionIds, length, measured) {
      reports.set(topic, {
        sizes: queueSizes && queueSizes.slice(0, length),
        ids: partitionIds.slice(0, length),
        measured,
      });
    },
  };
  return { reports, listener };
}

test("adaptive partitioning: ready() reports each partition's queue once all have had a batch", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const metadata = cluster();
  const { reports, listener } = loadRecorder();
  const acc = new RecordAccumulator(
    { batchSize: 1024, lingerMs: 100, deliveryTimeoutMs: 10_000, partitionLoad: listener },
    new BufferPool(1 << 20, 1024),
    () => {},
  );
  const big = () => record("v".repeat(1000)); // one per batch
  for (let i = 0; i < 3; i++) acc.appendRecord(big(), 0, 0)!.catch(() => {});
  acc.appendRecord(big(), 1, 0)!.catch(() => {});
  acc.appendRecord(big(), 3, 0)!.catch(() => {});
  acc.ready(metadata, 1);
  assert.equal(reports.get("t")?.sizes, null, "partition 2 never had a batch: no counts yet");

  acc.appendRecord(big(), 2, 0)!.catch(() => {});
  acc.drain(metadata, [1], 1 << 20, 1); // node 1 takes the heads of partitions 0 and 2
  acc.ready(metadata, 2);
  const report = reports.get("t")!;
  const byPartition = Object.fromEntries(report.ids.map((p, i) => [p, report.sizes![i]]));
  assert.deepEqual(byPartition, { 0: 2, 1: 1, 2: 0, 3: 1 });
  assert.equal(report.measured, 4);
});

test(
  "adaptive partitioning: a leader that cannot take its ready batches for longer than the availability timeout is left out",
  {
    timeout: UNIT_TIMEOUT_MS,
  },
  () => {
    const metadata = cluster(); // node 1 leads partitions 0 and 2, node 2 leads 1 and 3
    const { reports, listener } = loadRecorder();
    const acc = new RecordAccumulator(
      {
        batchSize: 1024,
        lingerMs: 0,
        deliveryTimeoutMs: 10_000,
        partitionLoad: listener,
        partitionerAvailabilityTimeoutMs: 500,
      },
      new BufferPool(1 << 20, 1024),
      () => {},
    );
    for (let p = 0; p < 4; p++) acc.appendRecord(record(), p, 0)!.catch(() => {});
    const idsAt = (nowMs: number) => {
      acc.ready(metadata, nowMs);
      return [...reports.get("t")!.ids].sort();
    };
    acc.updateNodeLatency(1, 0, true);
    acc.updateNodeLatency(2, 0, true);
    acc.updateNodeLatency(2, 500, false); // node 2 has kept batches waiting for 500 ms: still in
    assert.deepEqual(idsAt(500), [0, 1, 2, 3]);
    acc.updateNodeLatency(2, 501, false); // 501 ms: out
    assert.deepEqual(idsAt(501), [0, 2]);
    assert.equal(reports.get("t")!.measured, 4);
    acc.updateNodeLatency(2, 700, true); // it took batches again: back in
    assert.deepEqual(idsAt(700), [0, 1, 2, 3]);

    // With the timeout at 0 (the default) no leader is ever left out.
    const { reports: never, listener: neverListener } = loadRecorder();
    const off = new RecordAccumulator(
      { batchSize: 1024, lingerMs: 0, deliveryTimeoutMs: 10_000, partitionLoad: neverListener },
      new BufferPool(1 << 20, 1024),
      () => {},
    );
    for (let p = 0; p < 4; p++) off.appendRecord(record(), p, 0)!.catch(() => {});
    off.updateNodeLatency(2, 0, true);
    off.updateNodeLatency(2, 60_000, false);
    off.ready(metadata, 60_000);
    assert.equal(never.get("t")!.ids.length, 4);
  },
);

test(
  "an expired batch's error says why it never went out",
  { timeout: UNIT_TIMEOUT_MS },
  async () => {
    const acc = new RecordAccumulator(
      { batchSize: 1024, lingerMs: 0, deliveryTimeoutMs: 1000 },
      new BufferPool(1 << 20, 1024),
      () => {},
    );
    // Topic t now has 2 partitions (re-created with fewer); topic "gone" is not in metadata.
    const metadata = new ClusterMetadata(300_000);
    metadata.update(metadataResponse({ t: [1, -1] }), 0);
    const gone = acc.appendRecord(record(), 3, 0)!;
    const leaderless = acc.appendRecord(record(), 1, 0)!;
    const missing = acc.appendRecord(serializeRecord({ topic: "gone", value: "v" }), 0, 0)!;
    acc.expireBatches(1000, metadata);
    await assert.rejects(
      gone,
      /t-3 expired: 1000 ms .*; topic t has 2 partition\(s\) now \(re-created\?\)$/,
    );
    await assert.rejects(leaderless, /t-1 expired: .*; no leader known$/);
    await assert.rejects(missing, /gone-0 expired: .*; topic gone is not in the metadata$/);
  },
);

test("flush() started before a batch is split waits for every part", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const metadata = cluster();
  const acc = accumulator();
  const deliveries = [0, 1, 2].map(() => acc.appendRecord(record(), 0, 0)!);
  const [batch] = acc.drain(metadata, [1], 1 << 20, 0).get(1)!;
  let flushed = false;
  const flush = acc.flush().then(() => (flushed = true));
  const parts = acc.splitAndReenqueue(batch);
  assert.equal(parts.length, 3);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(flushed, false, "flush() resolved with the parts still queued");
  for (const part of parts) acc.complete(part);
  await flush;
  assert.equal((await Promise.all(deliveries)).length, 3);
});
