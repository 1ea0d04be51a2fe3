/**
 * Cuts a byte stream into lines at "\n" without decoding it, so that records keep their exact
 * bytes (any encoding) and a line costs a subarray, not a copy, unless it spans chunks.
 *
 * @module
 */

const NEWLINE = 0x0a;

/** Splits chunks of a stream into lines (without their "\n"). */
export class LineSplitter {
  /** The start of a line whose end has not arrived yet. */
  #pending: Uint8Array[] = [];
  #pendingLength = 0;

  /** The lines that `chunk` completes; the bytes after its last "\n" wait for the next chunk. */
  push(chunk: Uint8Array): Uint8Array[] {
    const lines: Uint8Array[] = [];
    let start = 0;
    let end = chunk.indexOf(NEWLINE);
    if (end >= 0 && this.#pendingLength > 0) {
      this.#pending.push(chunk.subarray(0, end));
      lines.push(this.#takePending());
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    while (end >= 0) {
      lines.push(chunk.subarray(start, end));
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#pendingLength += chunk.length - start;
    }
    return lines;
  }

  /** The last line, when the stream did not end with "\n"; null otherwise. */
  finish(): Uint8Array | null {
    return this.#pendingLength > 0 ? this.#takePending() : null;
  }

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
