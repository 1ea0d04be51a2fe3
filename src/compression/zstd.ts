/**
 * zstd: the runtime's `node:zlib` `zstdCompressSync` where it has one (Bun, Deno, Node ≥ 22.15),
 * else zstd compiled to WebAssembly from npm (`@hpcc-js/wasm-zstd`: zstd's own C code, no
 * dependencies, the WebAssembly inlined in its JavaScript so nothing is fetched at run time),
 * loaded asynchronously. Both write standard zstd frames, which Kafka's Java client (zstd-jni)
 * and librdkafka read.
 *
 * The WebAssembly is imported as `#wasm-zstd`: deno.json maps it to the npm package, and
 * package.json's `imports` to the package too, except under the `workerd`, `worker` and
 * `browser` conditions that Worker bundlers use, where it is zstd_wasm_excluded.ts: a Worker
 * bundle carries none of it (production Workers cannot compile WebAssembly at run time, and
 * workerd has zstd in `node:zlib`).
 *
 * @module
 */

import { COMPRESSION_IDS, type CompressionCodec } from "./codec.ts";
import type { NodeZlib } from "./node_zlib.ts";

/** A zstd codec on the runtime's zlib, or undefined when it has no zstd. */
export function zlibZstdCodec(
  zlib: NodeZlib | undefined,
  level: number,
): CompressionCodec | undefined {
  const compress = zlib?.zstdCompressSync?.bind(zlib);
  const levelParam = zlib?.constants.ZSTD_c_compressionLevel;
  if (!compress || levelParam === undefined) return undefined;
  const options = { params: { [levelParam]: level } };
  return { type: "zstd", id: COMPRESSION_IDS.zstd, compress: (input) => compress(input, options) };
}

/** A zstd codec on WebAssembly; rejects where WebAssembly cannot be compiled. */
export async function wasmZstdCodec(level: number): Promise<CompressionCodec> {
  const { Zstd } = await import("#wasm-zstd");
  const zstd = await Zstd.load();
  return {
    type: "zstd",
    id: COMPRESSION_IDS.zstd,
    compress: (input) => zstd.compress(input, level),
  };
}
