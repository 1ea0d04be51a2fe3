/**
 * First records on a real topic, through the codec alone: create a 3-partition topic, produce
 * one RecordBatch per partition to its leader, read everything back with kcat and compare
 * partition, offset, timestamp, key, value and headers byte for byte.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Connection } from "../../src/client/connection.ts";
import { RecordBatchWriter, type RecordHeader } from "../../src/protocol/record_batch.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic, produceBatch } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

interface TestRecord {
  partition: number;
  timestamp: number;
  key: string | null;
  value: string;
  headers: [string, string][];
}

const encoder = new TextEncoder();

function recordsFor(partition: number): TestRecord[] {
  const base = 1_700_000_000_000 + partition * 1000;
  return [
    { partition, timestamp: base, key: `key-${partition}-a`, value: "plain value", headers: [] },
    {
      partition,
      timestamp: base + 5,
      key: `clé-${partition}`,
      value: `héllo ✓ 🚀 p${partition}\twith tab`,
      headers: [["trace-id", `t-${partition}`], ["content-type", "text/plain"]],
    },
    {
      partition,
      timestamp: base - 3,
      key: null,
      value: "no key, earlier timestamp",
      headers: [["h", ""]],
    },
    { partition, timestamp: base + 9, key: "", value: "x".repeat(500), headers: [] },
  ];
}

test("records produced through the codec read back byte for byte with kcat", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("first-records");
  const metadata = await createTopic(topic, 3);
  const brokers = new Map(metadata.brokers.map((b) => [b.nodeId, b]));
  const sent = [0, 1, 2].flatMap(recordsFor);

  const offsets = new Map<number, bigint>();
  for (const partition of metadata.topics[0].partitions) {
    const leader = brokers.get(partition.leaderId)!;
    const connection = await Connection.open(detectTransport(), leader, {
      clientId: "first-records-test",
      requestTimeoutMs: 15_000,
      maxResponseSize: 1 << 20,
      softwareName: "kafka-edge-tests",
      softwareVersion: "0",
    });
    try {
      const writer = new RecordBatchWriter(new Uint8Array(16384));
      for (const r of sent.filter((r) => r.partition === partition.partitionIndex)) {
        const headers = r.headers.map((
          [n, v],
        ): RecordHeader => [encoder.encode(n), encoder.encode(v)]);
        const key = r.key === null ? null : encoder.encode(r.key);
        assert.ok(writer.tryAppend(r.timestamp, key, encoder.encode(r.value), headers));
      }
      const baseOffset = await produceBatch(
        connection,
        topic,
        partition.partitionIndex,
        writer.close(),
      );
      offsets.set(partition.partitionIndex, baseOffset);
    } finally {
      connection.close();
    }
  }

  const read = await readTopic(topic);
  const expected = sent.map((r) => ({
    partition: r.partition,
    offset: offsets.get(r.partition)! +
      BigInt(sent.filter((s) => s.partition === r.partition).indexOf(r)),
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
    headers: r.headers.map(([n, v]) => `${n}=${v}`).join(","),
  }));
  const byPosition = (
    a: { partition: number; offset: bigint },
    b: { partition: number; offset: bigint },
  ) => a.partition - b.partition || Number(a.offset - b.offset);
  assert.deepEqual(read.sort(byPosition), expected.sort(byPosition));
});
