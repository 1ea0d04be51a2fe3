/**
 * The partitioner: murmur2 against the vectors of Kafka's own unit tests, and the uniform sticky
 * partitioner of KIP-794. Against Kafka's Java code: tests/golden/murmur2.test.ts. No broker
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
