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

/**
 * Runs `attempts` in a staggered race (RFC 8305's way with addresses): the first starts at once,
 * each next one when the one before it failed or `delayMs` after it started, and the first to
 * succeed wins; successes that come later go to `discard`. Rejects with an `AggregateError` of
 * every failure once all have failed, or at once with an error `isFatal` says ends the race.
 */
export function firstToSucceed<T>(
  attempts: readonly (() => Promise<T>)[],
  delayMs: number,
  discard: (late: T) => void,
  isFatal: (error: unknown) => boolean = () => false,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const errors: unknown[] = [];
    let started = 0;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (settle: () => void) => {
      done = true;
      clearTimeout(timer);
      settle();
    };
    const startNext = () => {
      clearTimeout(timer);
      if (done || started === attempts.length) return;
      const attempt = attempts[started++];
      attempt().then(
        (value) => done ? discard(value) : finish(() => resolve(value)),
        (error) => {
          errors.push(error);
          if (done) return;
          if (isFatal(error)) finish(() => reject(error));
          else if (errors.length === attempts.length) {
            finish(() => reject(new AggregateError(errors)));
          } else startNext();
        },
      );
      timer = setTimeout(startNext, delayMs);
    };
    if (attempts.length === 0) reject(new AggregateError([]));
    else startNext();
  });
}
