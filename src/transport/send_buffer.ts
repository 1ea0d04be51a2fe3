/**
 * The retained send buffer every adapter shares: bytes accepted from the caller and not yet
 * taken by the socket, kept in order without copying until the socket takes them.
 *
 * @module
 */

/** Small chunks are merged into one socket write up to this size. */
const COALESCE_LIMIT = 64 * 1024;

/** FIFO of byte chunks with a read position in the first one. */
export class SendBuffer {
  #chunks: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  #size = 0;

  /** Bytes waiting to be sent. */
  get size(): number {
    return this.#size;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#size += bytes.length;
  }

  /**
   * The next bytes to hand to the socket, at most `limit` of them. Several small queued chunks
   * come back merged into one array, so many small requests cost one write, not one each.
   */
  peek(limit = COALESCE_LIMIT): Uint8Array {
    const first = this.#chunks[this.#head].subarray(this.#offset);
    if (first.length >= limit) return first.subarray(0, limit);
    const total = Math.min(this.#size, limit);
    if (first.length === total) return first;
    const merged = new Uint8Array(total);
    let filled = 0;
    for (let i = this.#head; filled < total; i++) {
      const chunk = i === this.#head ? first : this.#chunks[i];
      const part = chunk.subarray(0, total - filled);
      merged.set(part, filled);
      filled += part.length;
    }
    return merged;
  }

  /** Drops the first `count` bytes, which the socket has taken. */
  consume(count: number): void {
    this.#size -= count;
    while (count > 0) {
      const available = this.#chunks[this.#head].length - this.#offset;
      if (count < available) {
        this.#offset += count;
        return;
      }
      count -= available;
      this.#head++;
      this.#offset = 0;
    }
    if (this.#head > 64 || this.#head === this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#offset = 0;
    this.#size = 0;
  }
}
