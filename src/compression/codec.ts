/**
 * The codec interface: one synchronous `compress` per codec, applied to the records section of a
 * record batch when the batch is closed. Compression must be deterministic: a retried batch is
 * closed again and must give the same bytes.
 *
 * @module
 */

/** A value of `compressionType`. */
export type CompressionType = "none" | "gzip" | "snappy" | "lz4" | "zstd";

/** The values of `compressionType`, as in the Java client. */
export const COMPRESSION_TYPES = [
  "none",
  "gzip",
  "snappy",
  "lz4",
  "zstd",
] as const satisfies readonly CompressionType[];

/** Attribute bits 0–2 of a record batch for each compression type. */
export const COMPRESSION_IDS: Readonly<Record<CompressionType, number>> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

/**
 * `compressionLevel` bounds and default of the codecs that have levels: the Java client's (whose
 * gzip default, Deflater's -1, is zlib's level 6; -1 is accepted too).
 */
export const COMPRESSION_LEVELS: Readonly<
  Partial<Record<CompressionType, { min: number; max: number; default: number }>>
> = {
  gzip: { min: 1, max: 9, default: 6 },
  lz4: { min: 1, max: 17, default: 9 },
  zstd: { min: -131072, max: 22, default: 3 },
};

/** Compresses the records section of record batches with one codec at one level. */
export interface CompressionCodec {
  readonly type: Exclude<CompressionType, "none">;
  /** Kafka's id of the codec, the batch's attribute bits 0–2. */
  readonly id: number;
  /** Compresses `input` into a new array; the same input gives the same output. */
  compress(input: Uint8Array): Uint8Array;
}
