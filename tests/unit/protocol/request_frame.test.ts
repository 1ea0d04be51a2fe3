/**
 * Produce frames refer to their record batches rather than copying them: the frame's chunks hold
 * each batch array itself, and joined they are the bytes a frame with copied batches has, at every
 * version, with any topic names and transactional id.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeRequestFrame } from "../../../src/protocol/header.ts";
import { Produce, type ProduceRequest } from "../../../src/protocol/messages/produce.ts";
import { Writer } from "../../../src/protocol/primitives.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

/** A writer that copies what it is asked to append by reference. */
class CopyingWriter extends Writer {
  override rawReference(bytes: Uint8Array): this {
    return this.raw(bytes);
  }
}

/** The frame as one array, batches copied: size, header v1/v2, body. */
function copiedFrame(version: number, request: ProduceRequest): Uint8Array {
  const w = new CopyingWriter();
  w.int32(0).int16(Produce.key).int16(version).int32(7).string("kafka-edge");
  if (version >= Produce.firstFlexibleVersion) w.emptyTaggedFields();
  Produce.encodeRequest(w, request, version);
  w.patchInt32(0, w.length - 4);
  return w.bytes();
}

function joined(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

function request(transactionalId: string | null, topics: string[], batch: number): ProduceRequest {
  return {
    transactionalId,
    acks: -1,
    timeoutMs: 30_000,
    topics: topics.map((topic, t) => ({
      topic,
      partitions: Array.from({ length: t + 1 }, (_, partition) => ({
        partition,
        records: Uint8Array.from({ length: batch + partition * 17 }, (_, i) => (i * 31 + t) & 0xff),
      })),
    })),
  };
}

const cases: [string, ProduceRequest][] = [
  ["no records", request(null, [], 0)],
  ["one small batch", request(null, ["t"], 70)],
  [
    "several topics and partitions",
    request(null, ["orders", "payments.eu", "x".repeat(249)], 16384),
  ],
  [
    "non-ASCII names and a transactional id",
    request("tx-é-ü-😀".repeat(20), ["топик", "主题"], 500),
  ],
];

for (const [name, req] of cases) {
  test(`Produce frame with its batches by reference: ${name}`, { timeout: UNIT_TIMEOUT_MS }, () => {
    const batches = req.topics.flatMap((t) => t.partitions.map((p) => p.records));
    for (let version = Produce.minVersion; version <= Produce.maxVersion; version++) {
      const frame = encodeRequestFrame(Produce, version, 7, "kafka-edge", req);
      const bytes = joined(frame.chunks);
      assert.deepEqual(bytes, copiedFrame(version, req), `v${version}`);
      assert.equal(frame.length, bytes.length);
      // The size prefix counts everything after itself.
      assert.equal(new DataView(bytes.buffer).getInt32(0), bytes.length - 4);
      for (const batch of batches.filter((b) => b.length > 0)) {
        assert.ok(frame.chunks.includes(batch), `v${version}: a batch was copied`);
      }
      // The first chunk holds the size and the request header (API key, version).
      assert.ok(frame.chunks[0].length >= 8);
    }
  });
}
