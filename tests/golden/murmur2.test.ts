/**
 * murmur2 and keyed partitioning against Kafka's own Java code (tests/golden/Murmur2Reference.java
 * runs here, from the harness jars). The rest of the partitioner: tests/unit/producer/partitioner.test.ts.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { keyedPartition, murmur2 } from "../../src/producer/partitioner.ts";
import { GOLDEN_TIMEOUT_MS } from "../_lib/timeouts.ts";

const KEYS_FILE = "tests/golden/murmur2_keys.json";

type KeySpec = string | { hex: string };

interface JavaReference {
  kafkaVersion: string;
  partitionCounts: number[];
  results: { keyHex: string; murmur2: number; partitions: number[] }[];
}

const encoder = new TextEncoder();
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string) =>
  Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const keyBytes = (key: KeySpec) => typeof key === "string" ? encoder.encode(key) : fromHex(key.hex);

function javaReference(): Promise<JavaReference> {
  return new Promise((resolve, reject) => {
    execFile(
      "java",
      ["-cp", "scripts/kafka/lib/*", "tests/golden/Murmur2Reference.java", KEYS_FILE],
      { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`Murmur2Reference.java failed: ${stderr}`, { cause: error }));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

test("murmur2 and keyedPartition equal Kafka's Java Utils.murmur2 and partitionForKey", {
  timeout: GOLDEN_TIMEOUT_MS,
}, async () => {
  const keys: KeySpec[] = JSON.parse(readFileSync(KEYS_FILE, "utf8"));
  const java = await javaReference();
  assert.match(java.kafkaVersion, /^4\./);
  assert.deepEqual(java.partitionCounts, [1, 3, 6, 7, 100]);
  assert.equal(java.results.length, keys.length);
  assert.ok(keys.length >= 40);
  const lengths = new Set<number>();
  for (let i = 0; i < keys.length; i++) {
    const bytes = keyBytes(keys[i]);
    const expected = java.results[i];
    const what = `key ${i} (${JSON.stringify(keys[i]).slice(0, 40)})`;
    lengths.add(bytes.length);
    assert.equal(hex(bytes), expected.keyHex, `${what}: same bytes on both sides`);
    assert.equal(murmur2(bytes), expected.murmur2, `${what}: murmur2`);
    assert.deepEqual(
      java.partitionCounts.map((n) => keyedPartition(bytes, n)),
      expected.partitions,
      `${what}: partitions`,
    );
  }
  // Every tail length (0-3 bytes after the 4-byte blocks) was exercised, and long keys too.
  for (const n of [0, 1, 2, 3, 4, 5, 256]) assert.ok(lengths.has(n), `a ${n}-byte key`);
  // Signed results, as Java returns them, on both sides of zero.
  assert.ok(java.results.some((r) => r.murmur2 < 0) && java.results.some((r) => r.murmur2 > 0));
});
