/**
 * Produce frames are built in a buffer sized from Produce's size hint: the hint must cover the
 * whole body (else the buffer grows and copies again), and the bytes must be the same as those
 * built without a hint, at every version, with any topic names and transactional id.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeRequestFrame } from "../../../src/protocol/header.ts";
import { Produce, type ProduceRequest } from "../../../src/protocol/messages/produce.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

/** The frame header's fixed part plus the client id, as encodeRequestFrame writes it. */
const HEADER_ROOM = 128;

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
  test(`Produce frame sized from its hint: ${name}`, { timeout: UNIT_TIMEOUT_MS }, () => {
    const unhinted = { ...Produce, encodedSizeHint: undefined };
    for (let version = Produce.minVersion; version <= Produce.maxVersion; version++) {
      const frame = encodeRequestFrame(Produce, version, 7, "kafka-edge", req);
      assert.deepEqual(
        frame,
        encodeRequestFrame(unhinted, version, 7, "kafka-edge", req),
        `v${version}`,
      );
      assert.ok(
        frame.length <= HEADER_ROOM + Produce.encodedSizeHint!(req),
        `v${version}: frame of ${frame.length} bytes, hint ${Produce.encodedSizeHint!(req)}`,
      );
      // The size prefix counts everything after itself.
      assert.equal(new DataView(frame.buffer, frame.byteOffset).getInt32(0), frame.length - 4);
    }
  });
}
