/**
 * The memory of buffered batches, bounded by `bufferMemory`. Buffers of `batchSize` bytes, and of
 * the larger multiples compressed batches use (see {@link POOLED_SIZE_MULTIPLES}), are kept for
 * reuse after their batch completes, so a steady stream of batches allocates nothing; other sizes
 * (records larger than a batch) are allocated and dropped, counted against the same bound.
 *
 * @module
 */

/** Multiples of the poolable size whose buffers are kept for reuse. */
export const POOLED_SIZE_MULTIPLES = [1, 2, 4, 8, 16] as const;

/** Hands out batch buffers while their total stays within `totalMemory`. */
export class BufferPool {
  readonly #poolableSizes: Set<number>;
  /** Free buffers by size. */
  readonly #free = new Map<number, Uint8Array[]>();
  #freeBytes = 0;
  /** Memory not held by a batch nor by the free lists. */
  #nonPooledAvailable: number;
  #waiter: { size: number; wake: (granted: boolean) => void } | null = null;

  constructor(totalMemory: number, poolableSize: number) {
    this.#poolableSizes = new Set(POOLED_SIZE_MULTIPLES.map((m) => m * poolableSize));
    this.#nonPooledAvailable = totalMemory;
  }

  /** Bytes that could be allocated now. */
  get availableMemory(): number {
    return this.#nonPooledAvailable + this.#freeBytes;
  }

  /** Whether someone is waiting for memory; batches should then go out without lingering. */
  get exhausted(): boolean {
    return this.#waiter !== null;
  }

  /** A buffer of `size` bytes, or null when the memory is not there now. */
  tryAllocate(size: number): Uint8Array | null {
    const reusable = this.#free.get(size)?.pop();
    if (reusable) {
      this.#freeBytes -= size;
      return reusable;
    }
    if (this.availableMemory < size) return null;
    // Free buffers of other sizes give their memory back until there is enough.
    for (const [freeSize, buffers] of this.#free) {
      while (this.#nonPooledAvailable < size && buffers.pop()) {
        this.#freeBytes -= freeSize;
        this.#nonPooledAvailable += freeSize;
      }
    }
    this.#nonPooledAvailable -= size;
    return new Uint8Array(size);
  }

  /**
   * Resolves true once `size` bytes are available, or false at `deadline` (ms since the epoch).
   * One waiter at a time: the producer queues its blocked sends in order.
   */
  waitForMemory(size: number, deadline: number): Promise<boolean> {
    if (this.availableMemory >= size) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        resolve(false);
      }, Math.max(0, deadline - Date.now()));
      this.#waiter = {
        size,
        wake: (granted) => {
          clearTimeout(timer);
          this.#waiter = null;
          resolve(granted);
        },
      };
    });
  }

  /** Ends the current wait with false (the producer is closing). */
  cancelWait(): void {
    this.#waiter?.wake(false);
  }

  /** Returns a batch's buffer. */
  deallocate(buffer: Uint8Array): void {
    const size = buffer.length;
    if (this.#poolableSizes.has(size)) {
      let buffers = this.#free.get(size);
      if (!buffers) this.#free.set(size, buffers = []);
      buffers.push(buffer);
      this.#freeBytes += size;
    } else {
      this.#nonPooledAvailable += size;
    }
    if (this.#waiter && this.availableMemory >= this.#waiter.size) this.#waiter.wake(true);
  }
}
