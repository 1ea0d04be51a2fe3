/**
 * The memory of buffered batches, bounded by `bufferMemory`. Buffers of exactly `batchSize`
 * bytes are kept for reuse after their batch completes, so a steady stream of batches allocates
 * nothing; other sizes (records larger than a batch) are allocated and dropped, counted against
 * the same bound.
 *
 * @module
 */

/** Hands out batch buffers while their total stays within `totalMemory`. */
export class BufferPool {
  readonly #poolableSize: number;
  readonly #free: Uint8Array[] = [];
  /** Memory not held by a batch nor by the free list. */
  #nonPooledAvailable: number;
  #waiter: { size: number; wake: (granted: boolean) => void } | null = null;

  constructor(totalMemory: number, poolableSize: number) {
    this.#poolableSize = poolableSize;
    this.#nonPooledAvailable = totalMemory;
  }

  /** Bytes that could be allocated now. */
  get availableMemory(): number {
    return this.#nonPooledAvailable + this.#free.length * this.#poolableSize;
  }

  /** Whether someone is waiting for memory; batches should then go out without lingering. */
  get exhausted(): boolean {
    return this.#waiter !== null;
  }

  /** A buffer of `size` bytes, or null when the memory is not there now. */
  tryAllocate(size: number): Uint8Array | null {
    if (size === this.#poolableSize && this.#free.length > 0) return this.#free.pop()!;
    if (this.availableMemory < size) return null;
    while (this.#nonPooledAvailable < size) {
      this.#free.pop();
      this.#nonPooledAvailable += this.#poolableSize;
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
    if (buffer.length === this.#poolableSize) this.#free.push(buffer);
    else this.#nonPooledAvailable += buffer.length;
    if (this.#waiter && this.availableMemory >= this.#waiter.size) this.#waiter.wake(true);
  }
}
