/**
 * gzip through the runtime's `node:zlib` (`gzipSync`: a gzip member with a zero mtime, so the
 * same input gives the same bytes). Deno, Bun and Node have it; elsewhere the codec is not loaded.
 *
 * @module
 */

import { COMPRESSION_IDS, type CompressionCodec } from "./codec.ts";
import type { NodeZlib } from "./node_zlib.ts";

/** A gzip codec at `level` (1–9). */
export function gzipCodec(zlib: NodeZlib, level: number): CompressionCodec {
  return {
    type: "gzip",
    id: COMPRESSION_IDS.gzip,
    compress: (input) => zlib.gzipSync(input, { level }),
  };
}
