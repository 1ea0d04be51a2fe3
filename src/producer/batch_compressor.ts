/**
 * Compression of a producer's batches: the codec (loaded at construction, or for zstd on Node 20
 * still loading) and, per topic, an estimate of the compression ratio, with which the
 * accumulator lets a batch take as many uncompressed bytes as fill about `batchSize` compressed.
 *
 * @module
 */

import type { CompressionCodec, CompressionType } from "../compression/codec.ts";
import { COMPRESSION_IDS } from "../compression/codec.ts";
import { loadCodec } from "../compression/load.ts";
import { ConfigError, UnsupportedVersionError } from "../errors.ts";

/** Fraction of the way from the estimate down to a better observed ratio taken per batch. */
const IMPROVING_WEIGHT = 0.25;

/** Margin on the estimate when sizing a batch, as the Java client's (COMPRESSION_RATE_ESTIMATION_FACTOR). */
const ESTIMATE_MARGIN = 1.05;

/** The first Produce version that may carry zstd batches. */
const FIRST_ZSTD_PRODUCE_VERSION = 7;

/** The codec of a producer and its per-topic compression ratio estimates. */
export class BatchCompressor {
  /** The codec's id, the batch attribute bits. */
  readonly id: number;
  readonly type: Exclude<CompressionType, "none">;
  #codec: CompressionCodec | null = null;
  #error: Error | null = null;
  /** Settles when the codec is loaded or failed to (at once, unless it loads asynchronously). */
  readonly loaded: Promise<void>;
  /** Compressed / uncompressed size of each topic's records, as estimated from closed batches. */
  readonly #ratios = new Map<string, number>();

  /**
   * Loads the codec; throws {@link ConfigError} when this runtime cannot have it. `onLoaded` is
   * called when a codec that loads asynchronously is ready or failed.
   */
  constructor(
    type: Exclude<CompressionType, "none">,
    level: number | undefined,
    onLoaded: () => void,
  ) {
    this.type = type;
    this.id = COMPRESSION_IDS[type];
    const loaded = loadCodec(type, level);
    if ("codec" in loaded) {
      this.#codec = loaded.codec;
      this.loaded = Promise.resolve();
      return;
    }
    this.loaded = loaded.loading.then(
      (codec) => {
        this.#codec = codec;
      },
      (cause) => {
        this.#error = new ConfigError(
          `compressionType ${type}: the codec could not be loaded: ${cause}`,
          { field: "compressionType", cause },
        );
      },
    ).finally(onLoaded);
  }

  /** Whether batches can be compressed now. */
  get ready(): boolean {
    return this.#codec !== null;
  }

  /** Why the codec failed to load, if it did: every record fails with it. */
  get error(): Error | null {
    return this.#error;
  }

  /**
   * Throws {@link UnsupportedVersionError} if a Produce request of `version` cannot carry this
   * codec's batches: zstd needs v7 (Kafka 2.1, KIP-110). An older broker would fail the batch
   * with UNKNOWN_SERVER_ERROR, which says nothing of the cause.
   */
  checkProduceVersion(version: number, broker: string): void {
    if (this.type === "zstd" && version < FIRST_ZSTD_PRODUCE_VERSION) {
      throw new UnsupportedVersionError(
        `compressionType zstd needs Produce v${FIRST_ZSTD_PRODUCE_VERSION} (Kafka 2.1 or newer); ` +
          `the broker at ${broker} speaks up to v${version}: choose another compressionType`,
      );
    }
  }

  /**
   * The topic's estimated compression ratio (1 until a batch of it was compressed). The sizes
   * below are the only other readers: every estimate the producer makes goes through here.
   */
  estimatedRatio(topic: string): number {
    return this.#ratios.get(topic) ?? 1;
  }

  /** Bytes that `uncompressedBytes` of the topic's records are estimated to take compressed. */
  compressedSize(topic: string, uncompressedBytes: number): number {
    return uncompressedBytes * this.estimatedRatio(topic);
  }

  /** Uncompressed bytes of the topic's records estimated to compress to `compressedBytes`. */
  uncompressedLimit(topic: string, compressedBytes: number): number {
    return Math.ceil(compressedBytes / (this.estimatedRatio(topic) * ESTIMATE_MARGIN));
  }

  /** Compresses a batch's records section and learns the topic's ratio from it. */
  compress(topic: string, records: Uint8Array): Uint8Array {
    if (!this.#codec) throw this.#error ?? new Error(`the ${this.type} codec is still loading`);
    const compressed = this.#codec.compress(records);
    this.#observe(topic, compressed.length / Math.max(1, records.length));
    return compressed;
  }

  /**
   * Java's CompressionRatioEstimator starts at 1, raises the estimate to a worse observed ratio
   * at once and lowers it by 0.005 per batch: ~160 batches to learn a 5:1 ratio, batches far
   * below `batchSize` meanwhile. Here a worse ratio is taken at once too (an underestimate makes
   * batches larger than `batchSize`), and a better one a quarter of the way per batch: a steady
   * ratio is learnt within ~10 batches, and one odd batch does not swing it.
   */
  #observe(topic: string, observed: number): void {
    const estimate = this.estimatedRatio(topic);
    const next = observed >= estimate
      ? observed
      : estimate - (estimate - observed) * IMPROVING_WEIGHT;
    this.#ratios.set(topic, Math.min(1, next));
  }
}
