import assert from "node:assert/strict";
import { test } from "node:test";
import { ProtocolError } from "../../../src/errors.ts";
import { FrameDecoder } from "../../../src/protocol/frame_decoder.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

function frame(payload: number[]): number[] {
  const n = payload.length;
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, ...payload];
}

const payloads = [[1, 2, 3, 4, 5], [9, 9, 9, 9], Array.from({ length: 300 }, (_, i) => i & 0xff), [
  7,
  7,
  7,
  7,
]];
const stream = Uint8Array.from(payloads.flatMap(frame));

test(
  "frames come out whole for every way of cutting the stream",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    for (const step of [1, 2, 3, 4, 5, 7, 64, 1000]) {
      const decoder = new FrameDecoder(1 << 20);
      const out: number[][] = [];
      for (let i = 0; i < stream.length; i += step) {
        for (const f of decoder.push(stream.subarray(i, i + step))) out.push([...f]);
      }
      assert.deepEqual(out, payloads, `chunks of ${step}`);
    }
  },
);

test("a size prefix beyond the limit is a protocol error", { timeout: UNIT_TIMEOUT_MS }, () => {
  const decoder = new FrameDecoder(100);
  assert.throws(() => decoder.push(Uint8Array.from(frame(new Array(101).fill(0)))), ProtocolError);
  assert.throws(
    () => new FrameDecoder(100).push(Uint8Array.of(0xff, 0xff, 0xff, 0xff)),
    ProtocolError,
  );
});
