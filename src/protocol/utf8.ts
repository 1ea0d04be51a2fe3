/**
 * UTF-8 without intermediate arrays: the byte length of a string, and writing it straight into a
 * buffer. Deno 2.9 allocates even a 16-byte Uint8Array in ~550 ns (Bun ~20 ns), so
 * `TextEncoder.encode` per key and value dominated `send()`; writing into the batch buffer
 * (ASCII by a plain loop, the rest by `encodeInto`) avoids the allocation.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Bytes of `text` in UTF-8 (lone surrogates count as U+FFFD, as TextEncoder writes them). */
export function utf8Length(text: string): number {
  const units = text.length;
  let bytes = units;
  for (let i = 0; i < units; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < units) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) i++; // a pair: 2 units, 4 bytes
      bytes += 2;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** Writes `text` (whose UTF-8 length is `byteLength`) at `pos`; returns the position after it. */
export function writeUtf8(buf: Uint8Array, pos: number, text: string, byteLength: number): number {
  if (byteLength === text.length) {
    for (let i = 0; i < byteLength; i++) buf[pos + i] = text.charCodeAt(i);
  } else {
    encoder.encodeInto(text, buf.subarray(pos, pos + byteLength));
  }
  return pos + byteLength;
}

let scratch = new Uint8Array(256);

/**
 * `text`'s UTF-8 bytes in a shared scratch buffer, valid until the next call: for hashing a
 * key without allocating. Returns the buffer and the length used.
 */
export function utf8Scratch(text: string): { bytes: Uint8Array; length: number } {
  const length = utf8Length(text);
  if (length > scratch.length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  writeUtf8(scratch, 0, text, length);
  return { bytes: scratch, length };
}
