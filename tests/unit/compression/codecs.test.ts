/**
 * The codecs without Java: compression is deterministic, xxhash32 gives the reference values, and
 * bad or unloadable codecs fail the producer's constructor. (Kafka's Java client reading the
 * batches back: tests/golden/codecs.test.ts.)
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer } from "../../../mod.ts";
import { loadCodec } from "../../../src/compression/load.ts";
import { xxhash32 } from "../../../src/compression/xxhash32.ts";
import { resolveProducerConfig } from "../../../src/producer/config.ts";
import { ConfigError } from "../../../src/errors.ts";
import { RecordBatchWriter } from "../../../src/protocol/record_batch.ts";
import { batchOf, codecOf, CODECS, encoder, SHAPES } from "../../_lib/codec_cases.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

test("compression is deterministic; closing with another header keeps the compressed records", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
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

test("xxhash32 gives the reference values", { timeout: UNIT_TIMEOUT_MS }, () => {
  assert.equal(xxhash32(new Uint8Array(0)), 0x02cc5d05);
  assert.equal(xxhash32(encoder.encode("abc")), 0x32d153ff);
  assert.equal(xxhash32(encoder.encode("Nobody inspects the spammish repetition")), 0xe2293b2f);
});

test("bad compressionType and compressionLevel fail the constructor, naming the field", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
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

test("a codec the runtime cannot load fails the constructor with a ConfigError", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
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
