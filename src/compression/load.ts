/**
 * Picks and loads the codec of a `compressionType` for this runtime. What can be known at once
 * is: a codec the runtime cannot provide throws {@link ConfigError} naming `compressionType`
 * here, at the producer's construction. Only zstd on a runtime without zstd in `node:zlib`
 * (Node 20) loads asynchronously, from WebAssembly.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import { COMPRESSION_LEVELS, type CompressionCodec, type CompressionType } from "./codec.ts";
import { gzipCodec } from "./gzip.ts";
import { lz4Codec } from "./lz4.ts";
import { nodeZlib } from "./node_zlib.ts";
import { snappyCodec } from "./snappy.ts";
import { wasmZstdCodec, zlibZstdCodec } from "./zstd.ts";

/** A codec loaded now, or one still loading. */
export type LoadedCodec = { codec: CompressionCodec } | { loading: Promise<CompressionCodec> };

/** The codec of `type` at `level` (the codec's default when undefined); throws when unavailable. */
export function loadCodec(type: Exclude<CompressionType, "none">, level?: number): LoadedCodec {
  const chosenLevel = level ?? COMPRESSION_LEVELS[type]?.default ?? 0;
  switch (type) {
    case "snappy":
      return { codec: snappyCodec() };
    case "lz4":
      return { codec: lz4Codec(chosenLevel) };
    case "gzip": {
      const zlib = nodeZlib();
      if (!zlib) throw unavailable(type, "this runtime has no node:zlib");
      return { codec: gzipCodec(zlib, chosenLevel) };
    }
    case "zstd": {
      const codec = zlibZstdCodec(nodeZlib(), chosenLevel);
      if (codec) return { codec };
      if (typeof WebAssembly === "undefined") {
        throw unavailable(type, "this runtime has neither zstd in node:zlib nor WebAssembly");
      }
      return { loading: wasmZstdCodec(chosenLevel) };
    }
  }
}

function unavailable(type: CompressionType, why: string): ConfigError {
  return new ConfigError(`invalid producer config: compressionType ${type}: ${why}`, {
    field: "compressionType",
  });
}
