/**
 * The cost of `send()` up to the accumulator, without the network: converting the record,
 * checking its size, choosing its partition (keyed murmur2 or sticky) and appending it to a
 * pooled batch, as KafkaProducer.send does. Batches are recycled as the sender would, so the pool never runs dry.
 */
import { RecordAccumulator } from "../src/producer/accumulator.ts";
import { BufferPool } from "../src/producer/buffer_pool.ts";
import { partitionForKey, StickyPartitioner } from "../src/producer/partitioner.ts";
import { type SerializedRecord, serializeRecord } from "../src/producer/record.ts";
import { RECORD_BATCH_OVERHEAD } from "../src/protocol/record_batch.ts";
import { ClusterMetadata } from "../src/client/cluster_metadata.ts";
import { metadataResponse } from "../tests/_lib/metadata_response.ts";

const value = new Uint8Array(100).fill(0x61);
const metadata = new ClusterMetadata(300_000);
metadata.update(metadataResponse({ bench: [1, 1, 1, 1, 1, 1] }), Date.now());

/** KafkaProducer.send's size check (maxRequestSize, default 1 MiB). */
function checkSize(record: SerializedRecord): void {
  if (RECORD_BATCH_OVERHEAD + record.size > 1 << 20) throw new Error("record too large");
}

function setup() {
  const pool = new BufferPool(32 * 1024 * 1024, 16384);
  const accumulator = new RecordAccumulator(
    { batchSize: 16384, lingerMs: 5, deliveryTimeoutMs: 120_000 },
    pool,
    () => {},
  );
  return { accumulator, sticky: new StickyPartitioner({ batchSize: 16384 }) };
}

/** Drains and completes everything, as acknowledged batches would be. */
function recycle(accumulator: RecordAccumulator) {
  for (const batches of accumulator.drain(metadata, [1], Infinity, Date.now()).values()) {
    for (const batch of batches) accumulator.complete(batch, undefined, 0n, -1n);
  }
}

/** Records per iteration: ~8 batches, well within the pool, recycled outside the timing. */
const RECORDS = 1000;

const unkeyed = setup();
const keyed = setup();

Deno.bench("send() into the accumulator, 100-byte value, no key (sticky)", {
  group: "append",
}, (b) => {
  const { accumulator, sticky } = unkeyed;
  const available = metadata.availablePartitions("bench");
  b.start();
  for (let i = 0; i < RECORDS; i++) {
    const record = serializeRecord({ topic: "bench", value });
    checkSize(record);
    const partition = sticky.partition("bench", 6, available);
    accumulator.appendRecord(record, partition, 0)!.catch(() => {});
    sticky.recordAppended("bench", partition, 100);
  }
  b.end();
  recycle(accumulator);
});

Deno.bench("send() into the accumulator, 100-byte value, string key (murmur2)", {
  group: "append",
}, (b) => {
  const { accumulator } = keyed;
  b.start();
  for (let i = 0; i < RECORDS; i++) {
    const record = serializeRecord({ topic: "bench", key: `user-${i % 1000}`, value });
    checkSize(record);
    accumulator.appendRecord(record, partitionForKey(record.key!, 6), 0)!.catch(() => {});
  }
  b.end();
  recycle(accumulator);
});

const acknowledged = setup();

Deno.bench("acknowledge: resolve 1000 records' promises from their batches", {
  group: "acknowledge",
}, async (b) => {
  const { accumulator } = acknowledged;
  const now = Date.now();
  const deliveries: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const record = serializeRecord({ topic: "bench", value, timestamp: now });
    deliveries.push(accumulator.appendRecord(record, i % 6, 0)!);
  }
  b.start();
  for (let i = 0; i < 3; i++) recycle(accumulator); // one batch per partition per drain
  await Promise.all(deliveries);
  b.end();
});
