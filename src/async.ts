/**
 * The few async helpers the producer needs (the Deno std ones live on JSR, out of reach).
 *
 * @module
 */

/** A promise with its resolve and reject functions at hand. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/**
 * Lets one async loop sleep until something happens or a delay passes, whichever comes first.
 * A `signal()` that arrives while nobody waits is remembered, so no wake-up is ever lost.
 * One timer at a time, however many signals arrive.
 */
export class WakeSignal {
  #signaled = false;
  #wake: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Wakes the waiter now, or makes the next `wait` return at once. A bound function: pass
   * `signal` itself to whatever should wake the loop.
   */
  readonly signal = (): void => {
    if (this.#wake) this.#finish();
    else this.#signaled = true;
  };

  /** Resolves on the next `signal()` or after `timeoutMs` (never, if Infinity). */
  wait(timeoutMs: number): Promise<void> {
    if (this.#signaled || timeoutMs <= 0) {
      this.#signaled = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (Number.isFinite(timeoutMs)) this.#timer = setTimeout(() => this.#finish(), timeoutMs);
    });
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/**
 * Settles as `promise` does, or rejects with `abortError(signal)` as soon as `signal` aborts,
 * whichever comes first. Without a signal, returns `promise` itself.
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  abortError: (signal: AbortSignal) => Error,
): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(abortError(signal));
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
