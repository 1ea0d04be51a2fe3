/**
 * Our RecordBatch v2 encoder against Kafka's own Java `MemoryRecordsBuilder`, byte for byte.
 * The Java side (tests/golden/GoldenBatches.java) runs here, from the harness jars.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  encodeRecordBatch,
  readBatchRecords,
  type RecordHeader,
} from "../../src/protocol/record_batch.ts";
import { GOLDEN_TIMEOUT_MS } from "../_lib/timeouts.ts";

interface GoldenCase {
  name: string;
  baseOffset: number;
  partitionLeaderEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  records: {
    timestamp: number;
    key: string | null;
    value: string | null;
    headers: [string, string | null][];
  }[];
}

const CASES_FILE = "tests/golden/cases.json";
const encoder = new TextEncoder();
const bytesOf = (text: string | null) => (text === null ? null : encoder.encode(text));
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function javaGoldenBatches(): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(
      "java",
      [
        "-Dlog4j2.configurationFile=scripts/kafka/log4j2.properties",
        "-cp",
        "scripts/kafka/lib/*",
        "tests/golden/GoldenBatches.java",
        CASES_FILE,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`GoldenBatches.java failed: ${stderr}`, { cause: error }));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

test("record batches are byte-identical to Kafka's Java MemoryRecordsBuilder", {
  timeout: GOLDEN_TIMEOUT_MS,
}, async () => {
  const cases: GoldenCase[] = JSON.parse(readFileSync(CASES_FILE, "utf8"));
  const golden = await javaGoldenBatches();
  assert.equal(Object.keys(golden).length, cases.length);
  assert.ok(cases.length >= 10);
  for (const c of cases) {
    const records = c.records.map((r) => ({
      timestamp: r.timestamp,
      key: bytesOf(r.key),
      value: bytesOf(r.value),
      headers: r.headers.map(([n, v]): RecordHeader => [encoder.encode(n), bytesOf(v)]),
    }));
    const ours = encodeRecordBatch(
      records,
      {
        baseOffset: BigInt(c.baseOffset),
        partitionLeaderEpoch: c.partitionLeaderEpoch,
        producerId: BigInt(c.producerId),
        producerEpoch: c.producerEpoch,
        baseSequence: c.baseSequence,
        transactional: c.transactional,
      },
    );
    assert.equal(hex(ours), golden[c.name], `case ${c.name}`);
    assert.deepEqual(readBatchRecords(ours), records, `case ${c.name} read back`);
  }
});
