/**
 * The LZ4 block format compressor (sequences of literals and matches of at least 4 bytes with a
 * 16-bit offset), written from the LZ4 block format description. Two match finders: one hash
 * probe per position, skipping faster through data that does not compress (LZ4's fast mode),
 * and a hash chain searched `depth` positions deep, for higher levels.
 *
 * @module
 */

import { copyBytes, matchLength, PositionTable, read32 } from "./lz77.ts";

const MIN_MATCH = 4;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
/** A match may not start within the last 12 bytes of a block. */
const MATCH_FIND_LIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_LOG = 16;
const HASH_SHIFT = 32 - HASH_LOG;

const hashTable = new PositionTable(1 << HASH_LOG);
/** For each position (mod 64 Ki), the previous one with the same hash. */
const chain = new PositionTable(1 << 16);

/** The most bytes compressing `length` bytes can take. */
export function lz4BlockBound(length: number): number {
  return length + Math.floor(length / 255) + 16;
}

function hash(sequence: number): number {
  return Math.imul(sequence, -1640531535) >>> HASH_SHIFT;
}

/** Writes a length's 255-continuation bytes after a token nibble of 15. */
function writeLengthTail(dst: Uint8Array, d: number, rest: number): number {
  while (rest >= 255) {
    dst[d++] = 255;
    rest -= 255;
  }
  dst[d++] = rest;
  return d;
}

/** Writes literals `src[anchor, ip)` and a match of `length` bytes `offset` back. */
function writeSequence(
  src: Uint8Array,
  anchor: number,
  ip: number,
  offset: number,
  length: number,
  dst: Uint8Array,
  d: number,
): number {
  const literals = ip - anchor;
  const matchRest = length - MIN_MATCH;
  const token = d++;
  dst[token] = ((literals >= 15 ? 15 : literals) << 4) | (matchRest >= 15 ? 15 : matchRest);
  if (literals >= 15) d = writeLengthTail(dst, d, literals - 15);
  d = copyBytes(src, anchor, ip, dst, d);
  dst[d++] = offset & 0xff;
  dst[d++] = offset >>> 8;
  if (matchRest >= 15) d = writeLengthTail(dst, d, matchRest - 15);
  return d;
}

/** Writes the block's closing literals `src[anchor, end)`. */
function writeLastLiterals(
  src: Uint8Array,
  anchor: number,
  end: number,
  dst: Uint8Array,
  d: number,
) {
  const literals = end - anchor;
  dst[d++] = (literals >= 15 ? 15 : literals) << 4;
  if (literals >= 15) d = writeLengthTail(dst, d, literals - 15);
  return copyBytes(src, anchor, end, dst, d);
}

/**
 * Compresses `src[start, end)` (at most 64 KiB) as one independent block into `dst` from `d`
 * (room: {@link lz4BlockBound}); returns the position after it. `depth` 0 is the fast mode,
 * otherwise the number of earlier positions the hash chain search looks at.
 */
export function compressLz4Block(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
  depth: number,
): number {
  if (end - start <= MATCH_FIND_LIMIT) return writeLastLiterals(src, start, end, dst, d);
  hashTable.startBlock(end);
  if (depth > 0) chain.startBlock(end);
  return depth === 0
    ? compressFast(src, start, end, dst, d)
    : compressChained(src, start, end, dst, d, depth);
}

function compressFast(src: Uint8Array, start: number, end: number, dst: Uint8Array, d: number) {
  const findLimit = end - MATCH_FIND_LIMIT;
  const matchLimit = end - LAST_LITERALS;
  let anchor = start;
  let ip = start;
  let misses = 0;
  while (ip < findLimit) {
    const sequence = read32(src, ip);
    const h = hash(sequence);
    let ref = hashTable.get(h);
    hashTable.set(h, ip);
    if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== sequence) {
      ip += 1 + (misses++ >> 6); // step further the longer nothing matched
      continue;
    }
    misses = 0;
    while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
      ip--;
      ref--;
    }
    const length = matchLength(src, ip, ref, matchLimit);
    d = writeSequence(src, anchor, ip, ip - ref, length, dst, d);
    ip += length;
    anchor = ip;
    if (ip < findLimit) hashTable.set(hash(read32(src, ip - 2)), ip - 2);
  }
  return writeLastLiterals(src, anchor, end, dst, d);
}

function compressChained(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  d: number,
  depth: number,
) {
  const findLimit = end - MATCH_FIND_LIMIT;
  const matchLimit = end - LAST_LITERALS;
  let anchor = start;
  let ip = start;
  let inserted = start; // positions before this are in the chain
  while (ip < findLimit) {
    for (; inserted <= ip; inserted++) {
      const h = hash(read32(src, inserted));
      chain.set(inserted & 0xffff, hashTable.get(h));
      hashTable.set(h, inserted);
    }
    const sequence = read32(src, ip);
    let bestLength = 0;
    let bestRef = 0;
    let ref = chain.get(ip & 0xffff);
    for (let tries = depth; ref >= 0 && ip - ref <= MAX_OFFSET && tries > 0; tries--) {
      if (read32(src, ref) === sequence) {
        const length = matchLength(src, ip, ref, matchLimit);
        if (length > bestLength) {
          bestLength = length;
          bestRef = ref;
          if (ip + length >= matchLimit) break;
        }
      }
      ref = chain.get(ref & 0xffff);
    }
    if (bestLength === 0) {
      ip++;
      continue;
    }
    d = writeSequence(src, anchor, ip, ip - bestRef, bestLength, dst, d);
    ip += bestLength;
    anchor = ip;
  }
  return writeLastLiterals(src, anchor, end, dst, d);
}
