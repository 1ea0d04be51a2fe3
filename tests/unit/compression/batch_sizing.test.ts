/**
 * Compressed batches against `batchSize`: the accumulator learns each topic's compression ratio
 * from the batches it closes and lets later batches take as many uncompressed bytes as compress
 * to about `batchSize`. Also the buffer pool reusing the larger buffers this needs.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { RecordAccumulator } from "../../../src/producer/accumulator.ts";
import { BatchCompressor } from "../../../src/producer/batch_compressor.ts";
import { BufferPool } from "../../../src/producer/buffer_pool.ts";
import { ClusterMetadata } from "../../../src/client/cluster_metadata.ts";
import type { ProducerBatch } from "../../../src/producer/producer_batch.ts";
import { serializeRecord } from "../../../src/producer/record.ts";
import { metadataResponse } from "../../_lib/metadata_response.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const BATCH_SIZE = 16384;

/** Topic "events", one partition led by node 1. */
function cluster(): ClusterMetadata {
  const metadata = new ClusterMetadata(300_000);
  metadata.update(metadataResponse({ events: [1] }), 0);
  return metadata;
}

let sequence = 0;
function jsonRecord() {
  const i = sequence++;
  return serializeRecord({
    topic: "events",
    key: `user-${i % 97}`,
    value: JSON.stringify({ id: i, user: `user-${i % 97}`, action: ["view", "buy"][i % 2] }),
  });
}

/** Appends records worth `bytes` uncompressed, then drains and closes every batch, in order. */
function round(acc: RecordAccumulator, metadata: ClusterMetadata, bytes: number): ProducerBatch[] {
  let appended = 0;
  while (appended < bytes) {
    const record = jsonRecord();
    acc.appendRecord(record, 0, 0)!.catch(() => {});
    appended += record.value!.length;
  }
  const batches: ProducerBatch[] = [];
  for (;;) {
    const drained = acc.drain(metadata, [1], Infinity, 0).get(1);
    if (!drained) break;
    for (const batch of drained) {
      batch.close({});
      batches.push(batch);
      acc.complete(batch); // returns the buffer to the pool
    }
  }
  return batches;
}

for (const type of ["lz4", "zstd", "gzip", "snappy"] as const) {
  test(`${type}: batches grow to about batchSize compressed once the ratio is learnt`, {
    timeout: UNIT_TIMEOUT_MS,
  }, async () => {
    const metadata = cluster();
    const compressor = new BatchCompressor(type, undefined, () => {});
    await compressor.loaded; // zstd on Node 20 loads from WebAssembly
    const pool = new BufferPool(64 << 20, BATCH_SIZE);
    const acc = new RecordAccumulator(
      { batchSize: BATCH_SIZE, lingerMs: 0, deliveryTimeoutMs: 60_000, compressor },
      pool,
      () => {},
    );
    const first = round(acc, metadata, 40 * BATCH_SIZE).slice(0, -1); // the last is not full
    for (const batch of first.slice(0, 1)) {
      assert.ok(batch.uncompressedSizeInBytes <= BATCH_SIZE, "no ratio known yet: batchSize");
      assert.ok(batch.closedSizeInBytes < BATCH_SIZE / 2, "which compresses far below it");
    }
    assert.ok(compressor.estimatedRatio("events") < 0.5, `${compressor.estimatedRatio("events")}`);

    const learnt = round(acc, metadata, 80 * BATCH_SIZE).slice(0, -1);
    assert.ok(learnt.length > 3);
    for (const batch of learnt) {
      const compressed = batch.closedSizeInBytes;
      assert.ok(batch.uncompressedSizeInBytes > 2 * BATCH_SIZE, `${batch.uncompressedSizeInBytes}`);
      assert.ok(compressed > 0.6 * BATCH_SIZE, `compressed ${compressed} too far below batchSize`);
      assert.ok(compressed < 1.15 * BATCH_SIZE, `compressed ${compressed} over batchSize`);
      assert.equal(batch.sizeInBytes, compressed, "a closed batch's size is its compressed size");
    }
    assert.equal(pool.availableMemory, 64 << 20, "every buffer is back in the pool");
  });
}

test("the pool reuses buffers of batchSize multiples and frees them for other sizes", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const pool = new BufferPool(16 * 1024, 1024);
  const big = pool.tryAllocate(8 * 1024)!;
  pool.deallocate(big);
  assert.equal(pool.tryAllocate(8 * 1024), big, "an 8 × batchSize buffer comes back");
  pool.deallocate(big);
  const odd = pool.tryAllocate(15 * 1024);
  assert.ok(odd, "the free 8 KiB buffer gave its memory to a larger allocation");
  assert.equal(pool.availableMemory, 1024);
});
