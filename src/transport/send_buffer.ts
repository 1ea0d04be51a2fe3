/**
 * The retained send buffer every adapter shares: the chunks accepted from the caller and not yet
 * taken by the socket, kept in order, by reference, until the socket takes them.
 *
 * @module
 */

/** Small chunks are merged into one socket write up to this size (see {@link SendBuffer.peek}). */
const COALESCE_LIMIT = 64 * 1024;

/** FIFO of byte chunks with a read position in the first one. */
export class SendBuffer {
  #chunks: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  #size = 0;
  /** Bytes copied by `stage` and not consumed yet: a view of the caller's staging buffer. */
  #staged: Uint8Array | null = null;

  /** Bytes waiting to be sent. */
  get size(): number {
    return this.#size;
  }

  push(chunks: readonly Uint8Array[]): void {
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      this.#chunks.push(chunk);
      this.#size += chunk.length;
    }
  }

  /** The rest of the first queued chunk, at most `limit` bytes of it (a view, no copy). */
  next(limit = Infinity): Uint8Array {
    const chunk = this.#chunks[this.#head];
    return chunk.subarray(this.#offset, Math.min(chunk.length, this.#offset + limit));
  }

  /**
   * The next bytes to hand to the socket, at most `limit` of them. Several small queued chunks
   * come back merged into one new array, so many small requests cost one write, not one each.
   */
  peek(limit = COALESCE_LIMIT): Uint8Array {
    const first = this.next();
    if (first.length >= limit) return first.subarray(0, limit);
    const total = Math.min(this.#size, limit);
    if (first.length === total) return first;
    return this.#copy(new Uint8Array(total));
  }

  /**
   * The next bytes copied into `staging`, as many as it holds: one socket write for a whole
   * request however many chunks it has, without allocating (the caller reuses `staging` once
   * the write is done). Bytes staged and not yet consumed are returned again, not copied again.
   */
  stage(staging: Uint8Array): Uint8Array {
    this.#staged ??= this.#copy(staging.subarray(0, Math.min(this.#size, staging.length)));
    return this.#staged;
  }

  /** Fills `target` with the first queued bytes. */
  #copy(target: Uint8Array): Uint8Array {
    let filled = 0;
    for (let i = this.#head; filled < target.length; i++) {
      const chunk = i === this.#head ? this.#chunks[i].subarray(this.#offset) : this.#chunks[i];
      const part = chunk.subarray(0, target.length - filled);
      target.set(part, filled);
      filled += part.length;
    }
    return target;
  }

  /** Drops the first `count` bytes, which the socket has taken. */
  consume(count: number): void {
    if (this.#staged) {
      this.#staged = count < this.#staged.length ? this.#staged.subarray(count) : null;
    }
    this.#size -= count;
    while (count > 0) {
      const available = this.#chunks[this.#head].length - this.#offset;
      if (count < available) {
        this.#offset += count;
        return;
      }
      count -= available;
      this.#chunks[this.#head++] = EMPTY; // the socket is done with it: let it go
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
    this.#staged = null;
  }
}

const EMPTY = new Uint8Array(0);
