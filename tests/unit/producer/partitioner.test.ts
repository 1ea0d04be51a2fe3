/**
 * The partitioner: murmur2 against the vectors of Kafka's own unit tests, and the sticky
 * partitioner of KIP-794, uniform and adaptive (draws weighted by the partitions' queues). Against Kafka's Java code: tests/golden/murmur2.test.ts. No broker
 * needed: the cross-check against librdkafka's `murmur2_random` partitioner (kcat) belongs to a
 * broker test.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  keyedPartition,
  murmur2,
  StickyPartitioner,
  toPositive,
} from "../../../src/producer/partitioner.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const encoder = new TextEncoder();

test(
  "murmur2 matches the vectors of Kafka's UtilsTest.testMurmur2",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    const vectors: [string, number][] = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(encoder.encode(key)), hash, key);
    // toPositive(-790332482) = 1357151166
    assert.equal(keyedPartition(encoder.encode("foobar"), 10), 1357151166 % 10);
  },
);

test("murmur2 reads a view at its own offset, and toPositive clears only the sign bit", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const backing = encoder.encode("xx-some key in a bigger buffer-yy");
  for (let start = 0; start < 4; start++) {
    for (let end = backing.length - 4; end <= backing.length; end++) {
      const view = backing.subarray(start, end);
      assert.equal(murmur2(view), murmur2(view.slice()), `[${start}, ${end})`);
    }
  }
  assert.equal(toPositive(-1), 0x7fffffff);
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(2147483647), 2147483647);
  assert.equal(toPositive(-790332482), 1357151166);
});

/** Small seeded PRNG (mulberry32), uniform in [0, 1). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random source that replays `values` in a loop. */
function scripted(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

/** Produces one record through the partitioner, as the producer does; returns its partition. */
function produce(sticky: StickyPartitioner, topic: string, n: number, bytes: number): number {
  const p = sticky.partition(topic, n);
  sticky.recordAppended(topic, p, bytes);
  return p;
}

test("sticky: one partition until batchSize bytes were appended, then a new draw", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  // 4 partitions: draws 0.1 -> 0, 0.6 -> 2, 0.9 -> 3
  const sticky = new StickyPartitioner({ batchSize: 100, random: scripted([0.1, 0.6, 0.9]) });
  assert.equal(sticky.currentPartition("t"), -1);
  const seen = Array.from({ length: 12 }, () => produce(sticky, "t", 4, 30));
  // 30, 60, 90, 120 >= 100: the 4th record is the last on a partition
  assert.deepEqual(seen, [0, 0, 0, 0, 2, 2, 2, 2, 3, 3, 3, 3]);
  assert.equal(sticky.currentPartition("t"), -1);

  // Exactly batchSize bytes switch too.
  const exact = new StickyPartitioner({ batchSize: 100, random: scripted([0.1, 0.6]) });
  assert.deepEqual([100, 1, 1].map((b) => produce(exact, "t", 4, b)), [0, 2, 2]);
});

test(
  "sticky: bytes appended to another partition are not counted",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    const sticky = new StickyPartitioner({ batchSize: 100, random: scripted([0.1, 0.6]) });
    assert.equal(sticky.partition("t", 4), 0);
    sticky.recordAppended("t", 3, 1000); // e.g. a keyed record: not the sticky partition
    sticky.recordAppended("other", 0, 1000); // another topic, never partitioned: ignored
    assert.equal(sticky.partition("t", 4), 0);
    sticky.recordAppended("t", 0, 99);
    assert.equal(sticky.partition("t", 4), 0);
  },
);

test("sticky: topics are independent", { timeout: UNIT_TIMEOUT_MS }, () => {
  const sticky = new StickyPartitioner({ batchSize: 10, random: scripted([0.1, 0.6, 0.9]) });
  assert.equal(sticky.partition("a", 4), 0);
  assert.equal(sticky.partition("b", 4), 2);
  sticky.recordAppended("a", 0, 10);
  assert.equal(sticky.partition("b", 4), 2);
  assert.equal(sticky.partition("a", 4), 3);
});

test("sticky: over many switches the draws are uniform over all partitions", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const partitions = 6;
  const switches = 60_000;
  const sticky = new StickyPartitioner({ batchSize: 1000, random: seededRandom(794) });
  const counts = new Array<number>(partitions).fill(0);
  for (let s = 0; s < switches; s++) counts[produce(sticky, "t", partitions, 1000)]++;
  // expected 10,000 each, standard deviation about 91: a 10% bound is about 11 deviations
  for (const c of counts) assert.ok(Math.abs(c - switches / partitions) < 1000, `${counts}`);

  // With the default Math.random too (expected 200 each: none is missed in practice).
  const real = new StickyPartitioner({ batchSize: 16384 });
  const seen = new Array<number>(partitions).fill(0);
  for (let s = 0; s < 1200; s++) seen[produce(real, "t", partitions, 16384)]++;
  for (const c of seen) assert.ok(c > 100 && c < 300, `${seen}`);
});

test("sticky: only available partitions are drawn when a list is given", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const sticky = new StickyPartitioner({ batchSize: 1, random: seededRandom(7) });
  const available = [1, 4];
  const counts = new Map<number, number>();
  for (let s = 0; s < 2000; s++) {
    const p = sticky.partition("t", 6, available);
    sticky.recordAppended("t", p, 1);
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [1, 4]);
  for (const c of counts.values()) assert.ok(c > 800, `${[...counts]}`);

  // An empty list means none is known to be available: all partitions are drawn.
  const all = new Set<number>();
  for (let s = 0; s < 600; s++) {
    const p = sticky.partition("u", 6, []);
    sticky.recordAppended("u", p, 1);
    all.add(p);
  }
  assert.deepEqual([...all].sort(), [0, 1, 2, 3, 4, 5]);
});

test("sticky: a single-partition topic always gives 0", { timeout: UNIT_TIMEOUT_MS }, () => {
  const sticky = new StickyPartitioner({ batchSize: 5, random: seededRandom(1) });
  for (let s = 0; s < 100; s++) {
    assert.equal(sticky.partition("t", 1, s % 2 === 0 ? [] : undefined), 0);
    sticky.recordAppended("t", 0, 3);
  }
  for (let s = 0; s < 100; s++) assert.equal(sticky.partition("t", 1, [0]), 0);
});

test(
  "sticky: stale metadata, odd random sources and bad arguments",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    // The partition count dropped below the sticky partition: a new draw within range.
    const sticky = new StickyPartitioner({ batchSize: 100, random: scripted([0.99, 0.5]) });
    assert.equal(sticky.partition("t", 10), 9);
    assert.equal(sticky.partition("t", 4), 2);
    // A random source returning 1 (outside [0, 1)) or below 0 stays in range.
    const edge = new StickyPartitioner({ batchSize: 1, random: scripted([1, -0.5]) });
    assert.equal(produce(edge, "t", 3, 1), 2);
    assert.equal(produce(edge, "t", 3, 1), 0);

    // batchSize 0 counts as 1 (Java: Math.max(1, batch.size)): a switch after every record.
    const zero = new StickyPartitioner({ batchSize: 0, random: scripted([0.1, 0.6]) });
    assert.equal(zero.batchSize, 1);
    assert.deepEqual([0, 0, 0].map(() => produce(zero, "t", 4, 1)), [0, 2, 0]);

    assert.throws(() => new StickyPartitioner({ batchSize: -1 }), RangeError);
    assert.throws(() => new StickyPartitioner({ batchSize: 1.5 }), RangeError);
    assert.throws(() => new StickyPartitioner({ batchSize: NaN }), RangeError);
    assert.throws(() => sticky.partition("t", 0), RangeError);
    assert.throws(() => sticky.partition("new", NaN), RangeError);
  },
);

/** Draws `switches` new sticky partitions of `topic` (batchSize 1: one per record); counts each. */
function drawCounts(sticky: StickyPartitioner, partitions: number, switches: number): number[] {
  const counts = new Array<number>(partitions).fill(0);
  for (let s = 0; s < switches; s++) counts[produce(sticky, "t", partitions, 1)]++;
  return counts;
}

test("adaptive: a draw falls on the first entry of the cumulative table greater than it", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  // Queues 0, 3, 1 (longest + 1 = 4): weights 4, 1, 3, table 4, 5, 8. A uniform draw in [0, 8):
  // 0-3 partition 0, 4 partition 1, 5-7 partition 2 (the example of Java's BuiltInPartitioner).
  const draws = [0, 3, 4, 5, 7].map((n) => (n + 0.5) / 8);
  const sticky = new StickyPartitioner({ batchSize: 1, random: scripted(draws) });
  sticky.updatePartitionLoad("t", [0, 3, 1], [0, 1, 2], 3, 3);
  assert.deepEqual(draws.map(() => produce(sticky, "t", 3, 1)), [0, 0, 1, 2, 2]);

  // The table maps entries to partition ids, not indexes.
  const ids = new StickyPartitioner({ batchSize: 1, random: scripted(draws) });
  ids.updatePartitionLoad("t", [0, 3, 1], [5, 2, 7], 3, 8);
  assert.deepEqual(draws.map(() => produce(ids, "t", 8, 1)), [5, 5, 2, 7, 7]);
});

test("adaptive: partitions are drawn in inverse proportion to their queues (seeded)", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const sticky = new StickyPartitioner({ batchSize: 1, random: seededRandom(794) });
  // Partition 1's leader is slow: 9 batches wait there, none elsewhere. Weights 10, 1, 10, 10.
  sticky.updatePartitionLoad("t", [0, 9, 0, 0], [0, 1, 2, 3], 4, 4);
  const switches = 31_000;
  const counts = drawCounts(sticky, 4, switches);
  // Expected 10,000, 1,000, 10,000, 10,000; standard deviations about 80 and 31.
  for (const p of [0, 2, 3]) assert.ok(Math.abs(counts[p] - 10_000) < 500, `${counts}`);
  assert.ok(Math.abs(counts[1] - 1000) < 200, `${counts}`);

  // Load updates apply from the next draw on: equal queues again, uniform again.
  sticky.updatePartitionLoad("t", [2, 2, 2, 2], [0, 1, 2, 3], 4, 4);
  const uniform = drawCounts(sticky, 4, 8000);
  for (const c of uniform) assert.ok(Math.abs(c - 2000) < 200, `${uniform}`);
});

test("adaptive: left-out partitions are never drawn, even with equal queues", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const sticky = new StickyPartitioner({ batchSize: 1, random: seededRandom(3) });
  // 6 partitions measured, 2 and 5 left out (no leader, or a leader past the availability timeout).
  sticky.updatePartitionLoad("t", [1, 1, 1, 1], [0, 1, 3, 4], 4, 6);
  const counts = drawCounts(sticky, 6, 4000);
  assert.equal(counts[2], 0);
  assert.equal(counts[5], 0);
  for (const p of [0, 1, 3, 4]) assert.ok(counts[p] > 800, `${counts}`);
});

test("adaptive: no counts, one partition or none left means uniform draws over the available", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const sticky = new StickyPartitioner({ batchSize: 1, random: seededRandom(11) });
  const available = [0, 1, 2, 3];
  const draws = (n: number) => {
    const counts = [0, 0, 0, 0];
    for (let s = 0; s < n; s++) {
      const p = sticky.partition("t", 4, available);
      sticky.recordAppended("t", p, 1);
      counts[p]++;
    }
    return counts;
  };
  const skewed = [0, 50, 50, 50];
  sticky.updatePartitionLoad("t", skewed, [0, 1, 2, 3], 4, 4);
  assert.ok(draws(1000)[0] > 900, "weights 51, 1, 1, 1");
  for (
    const [sizes, length, measured] of [
      [null, 0, 4], // not every partition has had a batch yet
      [skewed, 0, 4], // every leader left out
      [[0], 1, 1], // a single partition
    ] as const
  ) {
    sticky.updatePartitionLoad("t", sizes, [0, 1, 2, 3], length, measured);
    const counts = draws(4000);
    for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `${sizes} ${length}: ${counts}`);
    sticky.updatePartitionLoad("t", skewed, [0, 1, 2, 3], 4, 4);
  }
  // Counts for a topic never partitioned here only prepare its first draw.
  const fresh = new StickyPartitioner({ batchSize: 1, random: scripted([0.5]) });
  fresh.updatePartitionLoad("new", [9, 0], [0, 1], 2, 2);
  assert.equal(fresh.partition("new", 2), 1);
  fresh.updatePartitionLoad("other", null, [], 0, 0);
  assert.equal(fresh.currentPartition("other"), -1);
});

test("adaptive: a weighted draw beyond the partition count (a re-created topic) is redrawn", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const sticky = new StickyPartitioner({ batchSize: 1, random: scripted([0.9, 0.5]) });
  // Counts from the old topic of 6 partitions; the topic now has 2.
  sticky.updatePartitionLoad("t", [5, 5, 5, 5, 5, 0], [0, 1, 2, 3, 4, 5], 6, 6);
  const p = sticky.partition("t", 2);
  assert.ok(p === 0 || p === 1, `${p}`);
});
