/**
 * Cuts a byte stream into lines at a delimiter ("\n" unless kcat's `-D` names another) without
 * decoding it, so that records keep their exact bytes (any encoding) and a line costs a
 * subarray, not a copy, unless it spans chunks.
 *
 * @module
 */

const NEWLINE = new Uint8Array([0x0a]);

/** Where `needle` first occurs in `haystack` at or after `from`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  for (let at = haystack.indexOf(first, from); at >= 0; at = haystack.indexOf(first, at + 1)) {
    if (at + needle.length > haystack.length) return -1;
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
  }
  return -1;
}

/** Splits chunks of a stream into lines (without their delimiter). */
export class LineSplitter {
  readonly #delimiter: Uint8Array;
  /** The start of a line whose end has not arrived yet; it never holds a whole delimiter. */
  #pending: Uint8Array[] = [];
  #pendingLength = 0;

  /** `delimiter` ends each line: one or more bytes, "\n" by default. */
  constructor(delimiter: Uint8Array = NEWLINE) {
    if (delimiter.length === 0) throw new RangeError("the delimiter is empty");
    this.#delimiter = delimiter;
  }

  /** The lines that `chunk` completes; the bytes after its last delimiter wait for the next chunk. */
  push(chunk: Uint8Array): Uint8Array[] {
    const delimiter = this.#delimiter;
    const lines: Uint8Array[] = [];
    let start = 0;
    if (this.#pendingLength > 0 && delimiter.length > 1) {
      const straddling = this.#delimiterAcross(chunk);
      if (straddling >= 0) {
        const lineLength = this.#pendingLength - straddling;
        lines.push(this.#takePending().subarray(0, lineLength));
        start = delimiter.length - straddling;
      }
    }
    let end = indexOfBytes(chunk, delimiter, start);
    if (end >= 0 && this.#pendingLength > 0) {
      this.#pending.push(chunk.subarray(start, end));
      lines.push(this.#takePending());
      start = end + delimiter.length;
      end = indexOfBytes(chunk, delimiter, start);
    }
    while (end >= 0) {
      lines.push(chunk.subarray(start, end));
      start = end + delimiter.length;
      end = indexOfBytes(chunk, delimiter, start);
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#pendingLength += chunk.length - start;
    }
    return lines;
  }

  /** The last line, when the stream did not end with the delimiter; null otherwise. */
  finish(): Uint8Array | null {
    return this.#pendingLength > 0 ? this.#takePending() : null;
  }

  /**
   * How many bytes of a delimiter that begins in the pending bytes and ends in `chunk` lie in
   * the pending bytes, or -1 when there is none.
   */
  #delimiterAcross(chunk: Uint8Array): number {
    const delimiter = this.#delimiter;
    const tailLength = Math.min(delimiter.length - 1, this.#pendingLength);
    const probe = new Uint8Array(tailLength + Math.min(delimiter.length - 1, chunk.length));
    let filled = tailLength;
    for (let i = this.#pending.length - 1; i >= 0 && filled > 0; i--) {
      const part = this.#pending[i];
      const take = Math.min(filled, part.length);
      probe.set(part.subarray(part.length - take), filled - take);
      filled -= take;
    }
    probe.set(chunk.subarray(0, probe.length - tailLength), tailLength);
    const at = indexOfBytes(probe, delimiter);
    return at >= 0 && at < tailLength ? tailLength - at : -1;
  }

  /** The pending bytes as one array; nothing is pending afterwards. */
  #takePending(): Uint8Array {
    const parts = this.#pending;
    const line = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      line.set(part, at);
      at += part.length;
    }
    this.#pending = [];
    this.#pendingLength = 0;
    return line;
  }
}
