/**
 * Partitioner cost per record: `deno bench bench/partitioner_bench.ts` (time per iteration = one
 * call). Results are folded into a module-level sink so the calls cannot be optimized away.
 */
import { keyedPartition, murmur2, StickyPartitioner } from "../src/producer/partitioner.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24);
const key10 = bytes(10);
const key100 = bytes(100);
const key1000 = bytes(1000);
let sink = 0;

Deno.bench("murmur2 10 B", { group: "murmur2", baseline: true }, () => {
  sink ^= murmur2(key10);
});
Deno.bench("murmur2 100 B", { group: "murmur2" }, () => {
  sink ^= murmur2(key100);
});
Deno.bench("murmur2 1000 B", { group: "murmur2" }, () => {
  sink ^= murmur2(key1000);
});

Deno.bench("keyedPartition 10 B, 6 partitions", { group: "per record" }, () => {
  sink ^= keyedPartition(key10, 6);
});
Deno.bench("keyedPartition 100 B, 6 partitions", { group: "per record" }, () => {
  sink ^= keyedPartition(key100, 6);
});

const sticky = new StickyPartitioner({ batchSize: 16384 });
const available = [0, 1, 2, 3, 4, 5];
Deno.bench(
  "sticky partition() + recordAppended(), 100 B records",
  { group: "per record", baseline: true },
  () => {
    const p = sticky.partition("events", 6, available);
    sticky.recordAppended("events", p, 100);
    sink ^= p;
  },
);

const topics = Array.from({ length: 100 }, (_, i) => `topic-${i}`);
let next = 0;
Deno.bench("sticky over 100 topics in turn, 100 B records", { group: "per record" }, () => {
  const topic = topics[next];
  next = next === 99 ? 0 : next + 1;
  const p = sticky.partition(topic, 6, available);
  sticky.recordAppended(topic, p, 100);
  sink ^= p;
});

globalThis.addEventListener("unload", () => {
  if (sink === 0.5) console.log(sink); // never true: keeps `sink` observable
});
