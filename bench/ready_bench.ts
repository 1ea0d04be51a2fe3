/**
 * The sender's per-turn look at the accumulator: `ready()` over every partition with queued
 * batches (with adaptive partitioning it also measures each partition's queue for the
 * partitioner). `deno bench bench/ready_bench.ts`; time per iteration = one `ready()`.
 */
import { type PartitionLoadListener, RecordAccumulator } from "../src/producer/accumulator.ts";
import { BufferPool } from "../src/producer/buffer_pool.ts";
import { StickyPartitioner } from "../src/producer/partitioner.ts";
import { serializeRecord } from "../src/producer/record.ts";
import { ClusterMetadata } from "../src/client/cluster_metadata.ts";
import { metadataResponse } from "../tests/_lib/metadata_response.ts";

const value = new Uint8Array(100).fill(0x61);
/** Partition i led by node 1 + i % 3. */
const leaders = (n: number) => Array.from({ length: n }, (_, i) => 1 + (i % 3));
const metadata = new ClusterMetadata(300_000);
metadata.update(metadataResponse({ six: leaders(6), hundred: leaders(100) }), Date.now());

/**
 * An accumulator with 1 to 3 batches queued in each partition of `topic` (unequal queues, so the
 * partitioner builds its weights); `partitionLoad`: the partitioner told of the queues (adaptive
 * partitioning), or null.
 */
function filled(
  topic: string,
  partitions: number,
  partitionLoad: PartitionLoadListener | null,
): RecordAccumulator {
  const accumulator = new RecordAccumulator(
    { batchSize: 16384, lingerMs: 5, deliveryTimeoutMs: 120_000, partitionLoad },
    new BufferPool(256 * 1024 * 1024, 16384),
    () => {},
  );
  for (let p = 0; p < partitions; p++) {
    for (let b = 0; b < p % 3; b++) {
      // A batch as large as batchSize is full: the next record opens a new one.
      accumulator.appendRecord(serializeRecord({ topic, value: new Uint8Array(16000) }), p, 0)!
        .catch(() => {});
    }
    accumulator.appendRecord(serializeRecord({ topic, value }), p, 0)!.catch(() => {});
  }
  return accumulator;
}

const partitioner = () => new StickyPartitioner({ batchSize: 16384 });
const six = filled("six", 6, null);
const hundred = filled("hundred", 100, null);
const sixAdaptive = filled("six", 6, partitioner());
const hundredAdaptive = filled("hundred", 100, partitioner());
let sink = 0;

Deno.bench("ready(): 6 partitions", { group: "ready", baseline: true }, () => {
  sink ^= six.ready(metadata, 1).readyNodes.size;
});
Deno.bench("ready(): 100 partitions", { group: "ready" }, () => {
  sink ^= hundred.ready(metadata, 1).readyNodes.size;
});
Deno.bench("ready() + partition load: 6 partitions", { group: "ready" }, () => {
  sink ^= sixAdaptive.ready(metadata, 1).readyNodes.size;
});
Deno.bench("ready() + partition load: 100 partitions", { group: "ready" }, () => {
  sink ^= hundredAdaptive.ready(metadata, 1).readyNodes.size;
});

globalThis.addEventListener("unload", () => {
  if (sink === 0.5) console.log(sink); // never true: keeps `sink` observable
});
