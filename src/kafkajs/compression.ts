/**
 * kafkajs's compression types, and its codec registry, which is not needed here: every codec is
 * built into kafka-edge, so assigning one fails with a clear error instead of being ignored.
 *
 * @module
 */

import type { CompressionType } from "../../mod.ts";
import { KafkaJSNotImplemented } from "./errors.ts";

/** kafkajs's compression codes (the record batch's attribute bits). */
export const CompressionTypes = {
  /** No compression. */
  None: 0,
  /** gzip. */
  GZIP: 1,
  /** Snappy (with the Java client's framing). */
  Snappy: 2,
  /** LZ4 frames. */
  LZ4: 3,
  /** Zstandard. */
  ZSTD: 4,
} as const;

/** A value of {@link CompressionTypes}. */
export type CompressionTypes = (typeof CompressionTypes)[keyof typeof CompressionTypes];

const CODECS: readonly CompressionType[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** kafka-edge's `compressionType` for a kafkajs compression code. */
export function compressionType(code: number | undefined): CompressionType {
  const type = CODECS[code ?? CompressionTypes.None];
  if (type === undefined) {
    throw new KafkaJSNotImplemented(`unknown compression ${code}: use CompressionTypes`);
  }
  return type;
}

/**
 * kafkajs's codec registry. Every codec is built in: reading gives a placeholder, assigning one
 * (as kafkajs's snappy, lz4 and zstd packages are installed) throws {@link KafkaJSNotImplemented}
 * saying to drop the assignment.
 */
export const CompressionCodecs: Record<number, () => unknown> = new Proxy({}, {
  get: (_target, code) => () => {
    throw new KafkaJSNotImplemented(
      `CompressionCodecs[${String(code)}]: kafka-edge's codecs are built in and not callable`,
    );
  },
  set: (_target, code) => {
    throw new KafkaJSNotImplemented(
      `CompressionCodecs[${String(code)}] = ...: kafka-edge has gzip, snappy, lz4 and zstd ` +
        "built in; remove the codec assignment",
    );
  },
});
