/**
 * What the LZ4 and snappy compressors share: reading 4 bytes, match lengths, byte copies, and
 * position tables that start empty for each block without being cleared.
 *
 * @module
 */

/** Four bytes at `p`, little-endian. */
export function read32(src: Uint8Array, p: number): number {
  return src[p] | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24);
}

/** Length of the match at `ip` against `ref` (at least 4 bytes agree), up to `limit`. */
export function matchLength(src: Uint8Array, ip: number, ref: number, limit: number): number {
  let length = 4;
  // Four bytes at a time while they agree, then byte by byte.
  while (ip + length + 4 <= limit && read32(src, ip + length) === read32(src, ref + length)) {
    length += 4;
  }
  while (ip + length < limit && src[ip + length] === src[ref + length]) length++;
  return length;
}

/** Copies `src[from, to)` to `dst` at `d`; a loop beats a subarray view for the usual few bytes. */
export function copyBytes(
  src: Uint8Array,
  from: number,
  to: number,
  dst: Uint8Array,
  d: number,
): number {
  if (to - from > 64) {
    dst.set(src.subarray(from, to), d);
    return d + to - from;
  }
  while (from < to) dst[d++] = src[from++];
  return d;
}

const REBASE_AT = 2 ** 30;

/**
 * Positions by slot (hash or chain index). Each block begins with {@link startBlock}, after which
 * every slot reads as empty (-1) until set: entries are stored offset by a base that grows past
 * every earlier block, so older ones read as negative. Clearing 64K slots per block would cost
 * more than compressing a small block. Output does not depend on earlier blocks: deterministic.
 */
export class PositionTable {
  readonly #slots: Int32Array;
  #base = 0;
  #nextBase = 1;

  constructor(size: number) {
    this.#slots = new Int32Array(size);
  }

  /** Empties the table for a block whose positions are below `end`. */
  startBlock(end: number): void {
    if (this.#nextBase + end >= REBASE_AT) {
      this.#slots.fill(0);
      this.#nextBase = 1;
    }
    this.#base = this.#nextBase;
    this.#nextBase += end + 1;
  }

  /** The position in `slot`, or a negative number when it holds none of this block's. */
  get(slot: number): number {
    return this.#slots[slot] - this.#base;
  }

  set(slot: number, position: number): void {
    this.#slots[slot] = position + this.#base;
  }
}
