/**
 * XXH32, the checksum of the LZ4 frame format (its header checksum byte is
 * `(XXH32(descriptor, 0) >> 8) & 0xff`). Written from the xxHash specification.
 *
 * @module
 */

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function read32(data: Uint8Array, p: number): number {
  return data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24);
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1);
}

/** XXH32 of `data[start, end)` with `seed`, as an unsigned 32-bit number. */
export function xxhash32(data: Uint8Array, seed = 0, start = 0, end = data.length): number {
  let p = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    for (; p + 16 <= end; p += 16) {
      v1 = round(v1, read32(data, p));
      v2 = round(v2, read32(data, p + 4));
      v3 = round(v3, read32(data, p + 8));
      v4 = round(v4, read32(data, p + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  h = (h + (end - start)) | 0;
  for (; p + 4 <= end; p += 4) {
    h = Math.imul(rotl((h + Math.imul(read32(data, p), PRIME3)) | 0, 17), PRIME4);
  }
  for (; p < end; p++) {
    h = Math.imul(rotl((h + Math.imul(data[p], PRIME5)) | 0, 11), PRIME1);
  }
  h = Math.imul(h ^ (h >>> 15), PRIME2);
  h = Math.imul(h ^ (h >>> 13), PRIME3);
  return (h ^ (h >>> 16)) >>> 0;
}
