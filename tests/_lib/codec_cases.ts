/**
 * Record batches of several shapes compressed by every codec and level, for the codec tests: the
 * golden ones (Kafka's Java client reads them back) and the unit ones (determinism).
 */

import assert from "node:assert/strict";
import type { CompressionType } from "../../src/compression/codec.ts";
import { loadCodec } from "../../src/compression/load.ts";
import { wasmZstdCodec } from "../../src/compression/zstd.ts";
import { RecordBatchWriter, type RecordHeader } from "../../src/protocol/record_batch.ts";

export type Codec = Exclude<CompressionType, "none">;

export interface TestRecord {
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export const encoder = new TextEncoder();
export const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Deterministic pseudo-random bytes (xorshift), incompressible. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const SHAPES: Record<string, () => TestRecord[]> = {
  "json-like records": () =>
    Array.from({ length: 3000 }, (_, i) => ({
      timestamp: 1_764_000_000_000 + i,
      key: encoder.encode(`user-${i % 97}`),
      value: encoder.encode(JSON.stringify({
        id: i,
        user: `user-${i % 97}`,
        action: ["view", "click", "buy"][i % 3],
        path: `/products/${i % 211}/détails`,
        at: new Date(1_764_000_000_000 + i * 37).toISOString(),
      })),
      headers: [[encoder.encode("trace"), encoder.encode(`t-${i}`)], [encoder.encode("n"), null]],
    })),
  "long runs across blocks": () => [
    { timestamp: 1, key: null, value: new Uint8Array(200_000).fill(97), headers: [] },
    {
      timestamp: 2,
      key: encoder.encode("k"),
      value: encoder.encode("ab".repeat(70_000)),
      headers: [],
    },
  ],
  "incompressible bytes": () => [
    { timestamp: 5, key: noise(16, 7), value: noise(150_000, 11), headers: [] },
    { timestamp: 6, key: null, value: noise(1000, 13), headers: [] },
  ],
  "one tiny record": () => [{ timestamp: 9, key: null, value: encoder.encode("x"), headers: [] }],
};

export const CODECS: { type: Codec; level?: number; wasm?: true }[] = [
  { type: "gzip" },
  { type: "gzip", level: 1 },
  { type: "gzip", level: 9 },
  { type: "gzip", level: -1 },
  { type: "snappy" },
  { type: "lz4" },
  { type: "lz4", level: 1 },
  { type: "lz4", level: 17 },
  { type: "zstd" },
  { type: "zstd", level: -5 },
  { type: "zstd", level: 19 },
  // What Node 20 uses (no zstd in its node:zlib); checked on every runtime.
  { type: "zstd", level: 3, wasm: true },
];

export async function codecOf(type: Codec, level?: number, wasm?: true) {
  if (wasm) return await wasmZstdCodec(level!);
  const loaded = loadCodec(type, level);
  return "codec" in loaded ? loaded.codec : await loaded.loading;
}

export function batchOf(
  records: TestRecord[],
  compress: (records: Uint8Array) => Uint8Array,
  id: number,
) {
  const size = 61 + records.reduce((n, r) => n + (r.value?.length ?? 0) + 200, 0);
  const writer = new RecordBatchWriter(new Uint8Array(size));
  for (const r of records) assert.ok(writer.tryAppend(r.timestamp, r.key, r.value, r.headers));
  return writer.close(
    { compression: id, producerId: 7n, producerEpoch: 1, baseSequence: 0 },
    compress,
  );
}
