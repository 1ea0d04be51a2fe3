/**
 * The codecs against Kafka's own Java client: record batches compressed here, of several shapes
 * (JSON-like records, long runs over several LZ4 blocks and snappy chunks, incompressible bytes,
 * a single tiny record), are checked (CRC) and decompressed by tests/golden/ReadBatches.java with
 * lz4-java, snappy-java, zstd-jni and java.util.zip from the harness jars; every record must come
 * back byte for byte. Also: determinism, level bounds equal to Kafka's, and codecs that cannot
 * load failing the producer's constructor.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { execFile } from "node:child_process";
import { KafkaProducer } from "../../mod.ts";
import { COMPRESSION_LEVELS, type CompressionType } from "../../src/compression/codec.ts";
import { loadCodec } from "../../src/compression/load.ts";
import { xxhash32 } from "../../src/compression/xxhash32.ts";
import { wasmZstdCodec } from "../../src/compression/zstd.ts";
import { resolveProducerConfig } from "../../src/config.ts";
import { ConfigError } from "../../src/errors.ts";
import { RecordBatchWriter, type RecordHeader } from "../../src/protocol/record_batch.ts";

type Codec = Exclude<CompressionType, "none">;

interface TestRecord {
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

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

const encoder = new TextEncoder();
const hex = (bytes: Uint8Array) =>
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

const SHAPES: Record<string, () => TestRecord[]> = {
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

const CODECS: { type: Codec; level?: number; wasm?: true }[] = [
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

async function codecOf(type: Codec, level?: number, wasm?: true) {
  if (wasm) return await wasmZstdCodec(level!);
  const loaded = loadCodec(type, level);
  return "codec" in loaded ? loaded.codec : await loaded.loading;
}

function batchOf(records: TestRecord[], compress: (records: Uint8Array) => Uint8Array, id: number) {
  const size = 61 + records.reduce((n, r) => n + (r.value?.length ?? 0) + 200, 0);
  const writer = new RecordBatchWriter(new Uint8Array(size));
  for (const r of records) assert.ok(writer.tryAppend(r.timestamp, r.key, r.value, r.headers));
  return writer.close(
    { compression: id, producerId: 7n, producerEpoch: 1, baseSequence: 0 },
    compress,
  );
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
  test(`${name}: Kafka's Java client reads every record back`, async () => {
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
  });
}

test("compressionLevel bounds and defaults are Kafka's CompressionType's", async () => {
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

test("compression is deterministic; closing with another header keeps the compressed records", async () => {
  for (const { type, level, wasm } of CODECS) {
    const codec = await codecOf(type, level, wasm);
    const records = SHAPES["json-like records"]();
    const once = batchOf(records, codec.compress, codec.id);
    assert.deepEqual(batchOf(records, codec.compress, codec.id), once, `${type} ${level}`);

    const writer = new RecordBatchWriter(new Uint8Array(1 << 20));
    for (const r of records.slice(0, 50)) writer.tryAppend(r.timestamp, r.key, r.value, r.headers);
    let compressions = 0;
    const counting = (input: Uint8Array) => (compressions++, codec.compress(input));
    const first = writer.close({ compression: codec.id, producerEpoch: 1 }, counting).slice();
    const second = writer.close({ compression: codec.id, producerEpoch: 2 }, counting);
    assert.equal(compressions, 1, "compressed once");
    assert.deepEqual(second.subarray(61), first.subarray(61), "same compressed records");
    assert.notDeepEqual(second.subarray(0, 61), first.subarray(0, 61), "new header and CRC");
  }
});

test("xxhash32 gives the reference values", () => {
  assert.equal(xxhash32(new Uint8Array(0)), 0x02cc5d05);
  assert.equal(xxhash32(encoder.encode("abc")), 0x32d153ff);
  assert.equal(xxhash32(encoder.encode("Nobody inspects the spammish repetition")), 0xe2293b2f);
});

test("bad compressionType and compressionLevel fail the constructor, naming the field", () => {
  const config = { bootstrapServers: ["127.0.0.1:1"] };
  const cases: [object, string][] = [
    [{ compressionType: "brotli" }, "compressionType"],
    [{ compressionType: "gzip", compressionLevel: 10 }, "compressionLevel"],
    [{ compressionType: "gzip", compressionLevel: 0 }, "compressionLevel"],
    [{ compressionType: "lz4", compressionLevel: 18 }, "compressionLevel"],
    [{ compressionType: "zstd", compressionLevel: 23 }, "compressionLevel"],
    [{ compressionType: "zstd", compressionLevel: 1.5 }, "compressionLevel"],
    [{ compressionType: "snappy", compressionLevel: 1 }, "compressionLevel"],
    [{ compressionLevel: 3 }, "compressionLevel"],
  ];
  // Java's gzip takes -1 too: zlib's default level.
  const gzipDefault = { ...config, compressionType: "gzip", compressionLevel: -1 };
  assert.equal(resolveProducerConfig(gzipDefault).compressionLevel, -1);
  for (const [extra, field] of cases) {
    assert.throws(
      () => new KafkaProducer({ ...config, ...extra } as never),
      (error) => error instanceof ConfigError && error.field === field,
      JSON.stringify(extra),
    );
  }
});

/** Runs `body` with global `names` removed, as on a runtime that lacks them. */
function without(names: string[], body: () => void): void {
  const saved = names.map((name) => Object.getOwnPropertyDescriptor(globalThis, name));
  for (const name of names) {
    Object.defineProperty(globalThis, name, { value: undefined, configurable: true });
  }
  try {
    body();
  } finally {
    names.forEach((name, i) => Object.defineProperty(globalThis, name, saved[i]!));
  }
}

test("a codec the runtime cannot load fails the constructor with a ConfigError", () => {
  const config = { bootstrapServers: ["127.0.0.1:1"] };
  const unavailable = (error: unknown) =>
    error instanceof ConfigError && error.field === "compressionType" &&
    /compressionType/.test(error.message);
  // No node:zlib: no gzip; and no WebAssembly either: no zstd.
  without(["process"], () => {
    assert.throws(() => new KafkaProducer({ ...config, compressionType: "gzip" }), unavailable);
    // snappy and lz4 are plain TypeScript: they load anywhere.
    for (const type of ["snappy", "lz4"] as const) {
      assert.ok("codec" in loadCodec(type));
    }
  });
  without(["process", "WebAssembly"], () => {
    assert.throws(() => new KafkaProducer({ ...config, compressionType: "zstd" }), unavailable);
  });
});
