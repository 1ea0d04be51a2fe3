/**
 * One statistic over time samples, the way the Java client's metrics compute theirs
 * (`SampledStat`, `Rate`): values go into the current sample until it is `windowMs` old, then
 * into the next; samples with no event for `samples × windowMs` are forgotten. Averages and
 * maxima combine the live samples; a rate divides their sum by the time they span, counted as
 * at least `samples - 1` full windows, so a burst right after start is not reported as a huge
 * rate (Java's "first window" rule).
 *
 * The producer uses Java's defaults, `metrics.sample.window.ms` 30000 and
 * `metrics.num.samples` 2: a rate covers the last 30 to 60 seconds.
 *
 * @module
 */

/** Java's `metrics.sample.window.ms` default. */
const SAMPLE_WINDOW_MS = 30_000;
/** Java's `metrics.num.samples` default. */
const SAMPLE_COUNT = 2;

/** Sum, count and maximum of recorded values over the last few time windows. */
export class WindowedStat {
  readonly #windowMs: number;
  readonly #samples: number;
  // One slot more than `samples`, as in Java: the sample that straddles the window's start
  // stays until no event of it is inside the window. Parallel arrays: no object per sample.
  readonly #start: number[] = [];
  readonly #lastEvent: number[] = [];
  readonly #count: number[] = [];
  readonly #sum: number[] = [];
  readonly #max: number[] = [];
  #current = 0;

  constructor(windowMs = SAMPLE_WINDOW_MS, samples = SAMPLE_COUNT) {
    this.#windowMs = windowMs;
    this.#samples = samples;
  }

  /** Adds one value at `nowMs`. */
  record(value: number, nowMs: number): void {
    if (this.#start.length === 0) this.#open(0, nowMs);
    let i = this.#current;
    if (nowMs - this.#start[i] >= this.#windowMs) {
      i = this.#current = (i + 1) % (this.#samples + 1);
      this.#open(i, nowMs);
    }
    this.#count[i]++;
    this.#sum[i] += value;
    if (value > this.#max[i]) this.#max[i] = value;
    this.#lastEvent[i] = nowMs;
  }

  /** Sum of the values in the window. */
  sum(nowMs: number): number {
    this.#purge(nowMs);
    let sum = 0;
    for (const s of this.#sum) sum += s;
    return sum;
  }

  /** Average of the values in the window; NaN when there are none (as Java reports it). */
  avg(nowMs: number): number {
    this.#purge(nowMs);
    let count = 0;
    for (const c of this.#count) count += c;
    return count === 0 ? NaN : this.sum(nowMs) / count;
  }

  /** Largest value in the window; NaN when there are none. */
  max(nowMs: number): number {
    this.#purge(nowMs);
    let max = -Infinity;
    let count = 0;
    for (let i = 0; i < this.#start.length; i++) {
      count += this.#count[i];
      if (this.#count[i] > 0 && this.#max[i] > max) max = this.#max[i];
    }
    return count === 0 ? NaN : max;
  }

  /** The window's sum per second. */
  rate(nowMs: number): number {
    const sum = this.sum(nowMs);
    if (this.#start.length === 0) this.#open(0, nowMs); // Java starts the clock at the first look
    let elapsedMs = nowMs - Math.min(...this.#start);
    const fullWindows = Math.floor(elapsedMs / this.#windowMs);
    if (fullWindows < this.#samples - 1) {
      elapsedMs += (this.#samples - 1 - fullWindows) * this.#windowMs;
    }
    return sum / (Math.max(elapsedMs, 1) / 1000);
  }

  #open(i: number, nowMs: number): void {
    this.#start[i] = nowMs;
    this.#lastEvent[i] = nowMs;
    this.#count[i] = 0;
    this.#sum[i] = 0;
    this.#max[i] = -Infinity;
  }

  #purge(nowMs: number): void {
    const expireMs = this.#samples * this.#windowMs;
    for (let i = 0; i < this.#start.length; i++) {
      if (nowMs - this.#lastEvent[i] >= expireMs) this.#open(i, nowMs);
    }
  }
}
