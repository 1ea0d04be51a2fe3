/**
 * The codecs against Kafka's own Java client: record batches compressed here, of several shapes
 * (JSON-like records, long runs over several LZ4 blocks and snappy chunks, incompressible bytes,
 * a single tiny record), are checked (CRC) and decompressed by tests/golden/ReadBatches.java with
 * lz4-java, snappy-java, zstd-jni and java.util.zip from the harness jars; every record must come
 * back byte for byte. Also: level bounds equal to Kafka's. (Determinism and codecs that cannot
 * load: tests/unit/compression/codecs.test.ts.)
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { execFile } from "node:child_process";
import { COMPRESSION_LEVELS } from "../../src/compression/codec.ts";
import {
  batchOf,
  type Codec,
  codecOf,
  CODECS,
  hex,
  SHAPES,
  type TestRecord,
} from "../_lib/codec_cases.ts";
import { GOLDEN_TIMEOUT_MS } from "../_lib/timeouts.ts";

interface JavaBatch {
  compression: string;
  records: {
    offset: number;
    timestamp: number;
    key: string | null;
    value: string | null;
    headers: [string, string | null][];
  }[];
}

/** Runs ReadBatches.java over the batches: Kafka's level bounds, then each batch as Java read it. */
function javaRead(batches: Uint8Array[]): Promise<[Record<string, number[]>, JavaBatch[]]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "java",
      [
        "-Dlog4j2.configurationFile=scripts/kafka/log4j2.properties",
        "-cp",
        "scripts/kafka/lib/*",
        "tests/golden/ReadBatches.java",
      ],
      { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`ReadBatches.java failed: ${stderr}`, { cause: error }));
          return;
        }
        const [levels, ...read] = stdout.trim().split("\n").map((line) => JSON.parse(line));
        resolve([levels.levels, read]);
      },
    );
    child.stdin!.end(batches.map(hex).join("\n") + "\n");
  });
}

const javaResult = (async () => {
  const cases: {
    codec: Codec;
    level?: number;
    wasm?: true;
    shape: string;
    records: TestRecord[];
  }[] = [];
  const batches: Uint8Array[] = [];
  for (const { type, level, wasm } of CODECS) {
    const codec = await codecOf(type, level, wasm);
    for (const [shape, make] of Object.entries(SHAPES)) {
      const records = make();
      cases.push({ codec: type, level, wasm, shape, records });
      batches.push(batchOf(records, codec.compress, codec.id));
    }
  }
  const [levels, read] = await javaRead(batches);
  return { cases, batches, levels, read };
})();
javaResult.catch(() => {}); // each test awaits it and reports the failure

for (const { type, level, wasm } of CODECS) {
  const name = `${type}${wasm ? " (WebAssembly)" : ""} level ${level ?? "default"}`;
  test(
    `${name}: Kafka's Java client reads every record back`,
    { timeout: GOLDEN_TIMEOUT_MS },
    async () => {
      const { cases, batches, read } = await javaResult;
      assert.equal(read.length, cases.length, "one batch read per batch written");
      cases.forEach((c, i) => {
        if (c.codec !== type || c.level !== level || c.wasm !== wasm) return;
        const java = read[i];
        assert.equal(java.compression, type, c.shape);
        const uncompressed = c.records.reduce((n, r) => n + (r.value?.length ?? 0), 0);
        if (c.shape !== "incompressible bytes" && uncompressed > 1000) {
          assert.ok(batches[i].length < uncompressed / 2, `${c.shape} compressed`);
        }
        assert.equal(java.records.length, c.records.length, c.shape);
        c.records.forEach((r, n) => {
          const got = java.records[n];
          const where = `${c.shape}, record ${n}`;
          assert.equal(got.offset, n, where);
          assert.equal(got.timestamp, r.timestamp, where);
          assert.equal(got.key, r.key && hex(r.key), where);
          assert.equal(got.value, r.value && hex(r.value), where);
          assert.deepEqual(got.headers, r.headers.map(([k, v]) => [hex(k), v && hex(v)]), where);
        });
      });
    },
  );
}

test("compressionLevel bounds and defaults are Kafka's CompressionType's", {
  timeout: GOLDEN_TIMEOUT_MS,
}, async () => {
  const { levels } = await javaResult;
  for (const type of ["lz4", "zstd"] as const) {
    const ours = COMPRESSION_LEVELS[type]!;
    assert.deepEqual([ours.min, ours.max, ours.default], levels[type], type);
  }
  // Java's gzip default is Deflater's -1, which is zlib's level 6.
  const gzip = COMPRESSION_LEVELS.gzip!;
  assert.deepEqual([gzip.min, gzip.max], levels.gzip.slice(0, 2));
  assert.equal(levels.gzip[2], -1);
  assert.equal(gzip.default, 6);
});
