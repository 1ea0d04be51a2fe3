/**
 * lz4: the LZ4 *frame* format as Kafka's Java client writes it (`Lz4BlockOutputStream`): magic,
 * a descriptor with independent blocks, 64 KiB maximum block size, no block or content checksum,
 * the XXH32 header checksum byte over the descriptor alone (the correct one; magic v0 batches
 * used a broken one), then blocks (stored raw, with the size's high bit, when they do not
 * shrink) and a zero end mark.
 *
 * Levels as in the Java client: the default, 9, uses the fast compressor; any other level a hash
 * chain search that looks deeper the higher the level (our own match finder: its ratios are
 * close to, not the same as, lz4-java's HC compressor).
 *
 * @module
 */

import { COMPRESSION_IDS, COMPRESSION_LEVELS, type CompressionCodec } from "./codec.ts";
import { compressLz4Block, lz4BlockBound } from "./lz4_block.ts";
import { xxhash32 } from "./xxhash32.ts";

const MAGIC = 0x184d2204;
/** FLG: version 01, independent blocks, no checksums, no content size. */
const FLG = 0x60;
/** BD: maximum block size code 4, 64 KiB. */
const BD = 0x40;
const BLOCK_SIZE = 64 * 1024;
const UNCOMPRESSED_BLOCK = 0x80000000;
const HEADER_CHECKSUM = (xxhash32(new Uint8Array([FLG, BD])) >>> 8) & 0xff;

/** Hash chain depth per level: 2^(level-1) positions, as LZ4 HC's levels search, up to 4096. */
function chainDepth(level: number): number {
  return level === COMPRESSION_LEVELS.lz4!.default ? 0 : Math.min(2 ** (level - 1), 4096);
}

/** An lz4 codec at `level` (1–17, validated by the config). */
export function lz4Codec(level: number): CompressionCodec {
  const depth = chainDepth(level);
  return {
    type: "lz4",
    id: COMPRESSION_IDS.lz4,
    compress: (input) => compressLz4Frame(input, depth),
  };
}

function compressLz4Frame(input: Uint8Array, depth: number): Uint8Array {
  const blocks = Math.ceil(input.length / BLOCK_SIZE);
  const out = new Uint8Array(7 + blocks * (4 + lz4BlockBound(BLOCK_SIZE)) + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  out[4] = FLG;
  out[5] = BD;
  out[6] = HEADER_CHECKSUM;
  let d = 7;
  for (let start = 0; start < input.length; start += BLOCK_SIZE) {
    const end = Math.min(start + BLOCK_SIZE, input.length);
    const compressedEnd = compressLz4Block(input, start, end, out, d + 4, depth);
    const compressedSize = compressedEnd - d - 4;
    if (compressedSize < end - start) {
      view.setUint32(d, compressedSize, true);
      d = compressedEnd;
    } else {
      view.setUint32(d, (end - start) | UNCOMPRESSED_BLOCK, true);
      out.set(input.subarray(start, end), d + 4);
      d += 4 + end - start;
    }
  }
  view.setUint32(d, 0, true); // end mark
  return out.subarray(0, d + 4);
}
