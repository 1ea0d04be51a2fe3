/**
 * CRC32C (Castagnoli), the checksum of a RecordBatch v2.
 *
 * Slicing-by-16: sixteen 256-entry tables (one flat array) fold sixteen input bytes per step,
 * read as four 32-bit words. Measured on 1 MiB (bench/crc32c_bench.ts): one byte per step
 * ~150 MB/s, slicing-by-8 ~750 MB/s, slicing-by-16 over bytes ~1.2 GB/s, over words
 * ~1.8 GB/s (Deno) and ~1.6 GB/s (Bun).
 *
 * @module
 */

const POLYNOMIAL = 0x82f63b78; // reflected Castagnoli polynomial
const SLICES = 16;

/** Table k (at offset 256·k) maps a byte to its CRC contribution k bytes further on. */
const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(SLICES * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n];
    for (let k = 1; k < SLICES; k++) {
      c = table[c & 0xff] ^ (c >>> 8);
      table[k * 256 + n] = c;
    }
  }
  return table;
})();

/** Word reads give bytes in memory order only on little-endian hosts (all common ones). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** CRC32C of `bytes[start, end)`, as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLE;
  let crc = ~0;
  let i = start;
  if (LITTLE_ENDIAN && end - start >= 32) {
    // Byte steps up to a 4-byte boundary, then 16 bytes (four words) per step.
    while (((bytes.byteOffset + i) & 3) !== 0) crc = t[(crc ^ bytes[i++]) & 0xff] ^ (crc >>> 8);
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, (end - i) >>> 2);
    const steps = words.length & ~3;
    for (let w = 0; w < steps; w += 4) {
      const a = crc ^ words[w];
      const b = words[w + 1];
      const c = words[w + 2];
      const d = words[w + 3];
      crc = t[3840 + (a & 0xff)] ^ t[3584 + ((a >>> 8) & 0xff)] ^ t[3328 + ((a >>> 16) & 0xff)] ^
        t[3072 + (a >>> 24)] ^ t[2816 + (b & 0xff)] ^ t[2560 + ((b >>> 8) & 0xff)] ^
        t[2304 + ((b >>> 16) & 0xff)] ^ t[2048 + (b >>> 24)] ^ t[1792 + (c & 0xff)] ^
        t[1536 + ((c >>> 8) & 0xff)] ^ t[1280 + ((c >>> 16) & 0xff)] ^ t[1024 + (c >>> 24)] ^
        t[768 + (d & 0xff)] ^ t[512 + ((d >>> 8) & 0xff)] ^ t[256 + ((d >>> 16) & 0xff)] ^
        t[d >>> 24];
    }
    i += steps * 4;
  }
  while (i < end) crc = t[(crc ^ bytes[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
