/**
 * snappy, framed as Kafka's Java client frames it: snappy-java's `SnappyOutputStream` ("xerial"
 * framing), which both the Java consumer and librdkafka read: a 16-byte header (magic
 * `\x82SNAPPY\0`, version 1, compatible version 1, big-endian int32s), then for each 32 KiB
 * chunk of input a big-endian int32 length and the chunk as one raw snappy block.
 *
 * The raw block (written from the snappy format description): the uncompressed length as a
 * varint, then literals and copies with 1- or 2-byte offsets found by one hash probe per position.
 *
 * @module
 */

import { COMPRESSION_IDS, type CompressionCodec } from "./codec.ts";
import { copyBytes, matchLength, PositionTable, read32 } from "./lz77.ts";

const HEADER = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1];
const CHUNK_SIZE = 32 * 1024;
/** Matches are searched for up to this many bytes before the end of a chunk. */
const INPUT_MARGIN = 15;
const HASH_LOG = 16;
const HASH_SHIFT = 32 - HASH_LOG;

const hashTable = new PositionTable(1 << HASH_LOG);

/** The snappy codec (it has no levels). */
export function snappyCodec(): CompressionCodec {
  return { type: "snappy", id: COMPRESSION_IDS.snappy, compress: compressSnappyFramed };
}

function compressSnappyFramed(input: Uint8Array): Uint8Array {
  const chunks = Math.max(1, Math.ceil(input.length / CHUNK_SIZE));
  const out = new Uint8Array(HEADER.length + chunks * (4 + maxBlockSize(CHUNK_SIZE)));
  const view = new DataView(out.buffer);
  out.set(HEADER);
  let d = HEADER.length;
  for (let start = 0; start < input.length; start += CHUNK_SIZE) {
    const end = Math.min(start + CHUNK_SIZE, input.length);
    const blockEnd = compressSnappyBlock(input, start, end, out, d + 4);
    view.setInt32(d, blockEnd - d - 4);
    d = blockEnd;
  }
  return out.subarray(0, d);
}

/** Snappy's bound: 32 + n + n/6. */
function maxBlockSize(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

function hash(sequence: number): number {
  return Math.imul(sequence, 0x1e35a7bd) >>> HASH_SHIFT;
}

/** Compresses `src[start, end)` as one raw snappy block into `dst` from `d`. */
function compressSnappyBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
): number {
  for (let n = end - start;; n >>>= 7) {
    if (n < 0x80) {
      dst[d++] = n;
      break;
    }
    dst[d++] = (n & 0x7f) | 0x80;
  }
  let anchor = start;
  const findLimit = end - INPUT_MARGIN;
  if (findLimit > start) {
    hashTable.startBlock(end);
    let ip = start;
    let misses = 0;
    while (ip < findLimit) {
      const sequence = read32(src, ip);
      const h = hash(sequence);
      const ref = hashTable.get(h);
      hashTable.set(h, ip);
      if (ref < 0 || read32(src, ref) !== sequence) {
        ip += 1 + (misses++ >> 5); // step further the longer nothing matched, as snappy does
        continue;
      }
      misses = 0;
      const length = matchLength(src, ip, ref, end);
      d = writeLiteral(src, anchor, ip, dst, d);
      d = writeCopy(ip - ref, length, dst, d);
      ip += length;
      anchor = ip;
      if (ip < findLimit) hashTable.set(hash(read32(src, ip - 1)), ip - 1);
    }
  }
  return writeLiteral(src, anchor, end, dst, d);
}

function writeLiteral(src: Uint8Array, from: number, to: number, dst: Uint8Array, d: number) {
  const length = to - from;
  if (length === 0) return d;
  const n = length - 1;
  if (n < 60) {
    dst[d++] = n << 2;
  } else {
    const bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
    dst[d++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) dst[d++] = (n >>> (8 * i)) & 0xff;
  }
  return copyBytes(src, from, to, dst, d);
}

/** A copy of `length` bytes from `offset` back (< 64 KiB), as copies of at most 64 bytes. */
function writeCopy(offset: number, length: number, dst: Uint8Array, d: number): number {
  while (length >= 68) {
    d = writeCopy2(offset, 64, dst, d);
    length -= 64;
  }
  if (length > 64) {
    d = writeCopy2(offset, 60, dst, d);
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    dst[d++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    dst[d++] = offset & 0xff;
    return d;
  }
  return writeCopy2(offset, length, dst, d);
}

function writeCopy2(offset: number, length: number, dst: Uint8Array, d: number): number {
  dst[d++] = 2 | ((length - 1) << 2);
  dst[d++] = offset & 0xff;
  dst[d++] = offset >>> 8;
  return d;
}
