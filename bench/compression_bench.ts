/**
 * Compression speed and ratio per codec on JSON-like records (bench/json_records.ts): the records
 * section of a 256 KiB batch of ~300-byte records, as the producer compresses it when a batch
 * closes.
 *
 *   deno bench -A bench/compression_bench.ts     per-iteration timings (deno bench)
 *   deno run -A bench/compression_bench.ts       a table of MB/s and ratio (also: bun, node built)
 */

import process from "node:process";
import type { CompressionCodec } from "../src/compression/codec.ts";
import { loadCodec } from "../src/compression/load.ts";
import { wasmZstdCodec } from "../src/compression/zstd.ts";
import { RecordBatchWriter } from "../src/protocol/record_batch.ts";
import { jsonRecords } from "./json_records.ts";

const BATCH_BYTES = 256 * 1024;

/** The records section of a batch of JSON-like records, uncompressed. */
function recordsSection(): Uint8Array {
  const next = jsonRecords(300);
  const writer = new RecordBatchWriter(new Uint8Array(BATCH_BYTES));
  let i = 0;
  while (writer.tryAppend(1_764_000_000_000 + i, `user-${i++ % 1000}`, next(), [])) {
    // fill the batch
  }
  return writer.close().slice(61);
}

async function codec(type: "gzip" | "snappy" | "lz4" | "zstd", level?: number) {
  const loaded = loadCodec(type, level);
  return "codec" in loaded ? loaded.codec : await loaded.loading;
}

const input = recordsSection();
const codecs: [string, CompressionCodec][] = [
  ["gzip (level 6, node:zlib)", await codec("gzip")],
  ["gzip (level 1, node:zlib)", await codec("gzip", 1)],
  ["snappy", await codec("snappy")],
  ["lz4 (level 9: fast)", await codec("lz4")],
  ["lz4 (level 12: hash chain)", await codec("lz4", 12)],
  ["zstd (level 3, this runtime's)", await codec("zstd")],
  ["zstd (level 3, WebAssembly)", await wasmZstdCodec(3)],
];

const denoBench = Reflect.get(globalThis, "Deno")?.bench as
  | ((name: string, options: { group: string }, fn: () => void) => void)
  | undefined;

if (denoBench && Reflect.get(import.meta, "main") !== true) {
  for (const [name, c] of codecs) {
    const ratio = c.compress(input).length / input.length;
    denoBench(`${name}, ratio ${ratio.toFixed(3)}`, {
      group: `compress ${input.length} B of JSON-like records`,
    }, () => {
      c.compress(input);
    });
  }
} else {
  const runtime = process.versions.bun
    ? `bun ${process.versions.bun}`
    : process.versions.deno
    ? `deno ${process.versions.deno}`
    : `node ${process.versions.node}`;
  console.log(`${runtime}: compressing ${input.length} B of JSON-like records`);
  for (const [name, c] of codecs) {
    for (let i = 0; i < 5; i++) c.compress(input); // warm up
    let runs = 0;
    const started = performance.now();
    let output = 0;
    while (performance.now() - started < 1000) {
      output = c.compress(input).length;
      runs++;
    }
    const seconds = (performance.now() - started) / 1000;
    const mbPerSecond = (runs * input.length) / seconds / 1e6;
    console.log(
      `${name.padEnd(32)} ${mbPerSecond.toFixed(0).padStart(5)} MB/s   ratio ${
        (output / input.length).toFixed(3)
      }`,
    );
  }
}
