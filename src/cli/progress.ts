/**
 * What the CLI reports: counts of records sent, acknowledged and failed, a live progress line
 * (rates over the last interval) and the summary at the end. Rates count key and value bytes;
 * MB is 10^6 bytes.
 *
 * @module
 */

const MAX_DISTINCT_FAILURES = 10;

/** Counts kept while producing. */
export class ProduceStats {
  readonly startedAt: number = performance.now();
  /** Records handed to the producer. */
  sent = 0;
  /** Records the broker acknowledged. */
  delivered = 0;
  /** Key and value bytes of the acknowledged records. */
  deliveredBytes = 0;
  failed = 0;
  /**
   * Each distinct failure once ("RecordTooLargeError: ..."), with how many records it hit; past
   * {@link MAX_DISTINCT_FAILURES}, further kinds count together.
   */
  readonly failures: Map<string, number> = new Map();

  /** Counts a failed record under its error's name and message. */
  recordFailure(error: unknown): void {
    this.failed++;
    let text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (!this.failures.has(text) && this.failures.size >= MAX_DISTINCT_FAILURES) {
      text = "other errors";
    }
    this.failures.set(text, (this.failures.get(text) ?? 0) + 1);
  }
}

const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

function rates(records: number, bytes: number, seconds: number): string {
  const perSecond = seconds > 0 ? records / seconds : 0;
  const megabytes = seconds > 0 ? bytes / 1e6 / seconds : 0;
  return `${number.format(perSecond)} rec/s, ${decimal.format(megabytes)} MB/s`;
}

/**
 * Rewrites one line on a terminal every `intervalMs`: records so far, the rates since the last
 * update and the errors so far.
 */
export class ProgressLine {
  readonly #stats: ProduceStats;
  readonly #write: (text: string) => void;
  readonly #timer: ReturnType<typeof setInterval>;
  #lastAt: number;
  #lastDelivered = 0;
  #lastBytes = 0;

  constructor(stats: ProduceStats, write: (text: string) => void, intervalMs = 500) {
    this.#stats = stats;
    this.#write = write;
    this.#lastAt = stats.startedAt;
    this.#timer = setInterval(() => this.#update(), intervalMs);
  }

  /** Writes a last update and ends the line. */
  stop(): void {
    clearInterval(this.#timer);
    this.#update();
    this.#write("\n");
  }

  #update(): void {
    const now = performance.now();
    const stats = this.#stats;
    const window = rates(
      stats.delivered - this.#lastDelivered,
      stats.deliveredBytes - this.#lastBytes,
      (now - this.#lastAt) / 1000,
    );
    this.#lastAt = now;
    this.#lastDelivered = stats.delivered;
    this.#lastBytes = stats.deliveredBytes;
    // "\r" and erase-to-end-of-line keep the line in place.
    this.#write(
      `\r\x1b[K${number.format(stats.delivered)} records, ${window}, ` +
        `${number.format(stats.failed)} errors`,
    );
  }
}

/** The closing report: totals, average rates, and each distinct failure. */
export function summary(stats: ProduceStats, topic: string): string {
  const seconds = (performance.now() - stats.startedAt) / 1000;
  const lines = [
    `${number.format(stats.delivered)} records (${
      decimal.format(stats.deliveredBytes / 1e6)
    } MB) ` +
    `produced to ${topic} in ${seconds.toFixed(2)} s: ` +
    `${rates(stats.delivered, stats.deliveredBytes, seconds)}; ${
      number.format(stats.failed)
    } failed`,
  ];
  for (const [text, count] of stats.failures) {
    lines.push(`  ${number.format(count)} × ${text}`);
  }
  return lines.join("\n") + "\n";
}
