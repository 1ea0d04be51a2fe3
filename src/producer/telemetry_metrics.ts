/**
 * The producer's metrics as client telemetry (KIP-714) names and points them, as the Java client
 * does: `producer-metrics` group, so `record-send-rate` becomes
 * `org.apache.kafka.producer.record.send.rate` (the group without "-metrics", dots for hyphens;
 * the client_id tag is left out, the broker knows it). Totals are monotonic sums, cumulative since
 * the producer started or, when the subscription asks for deltas, since the last push the broker
 * took (a refused push's counts go into the next one); everything else is a gauge.
 *
 * @module
 */

import type { OtlpMetric } from "../protocol/otlp_metrics.ts";
import type { ProducerMetricValues } from "./metrics.ts";

/** Every producer metric's telemetry name starts so. */
const TELEMETRY_PREFIX = "org.apache.kafka.producer.";

/** The telemetry name of one of {@link ProducerMetricValues}' names. */
function telemetryName(name: string): string {
  return TELEMETRY_PREFIX + name.replaceAll("-", ".");
}

/** Which metrics a subscription asks for, from its requested name prefixes. */
export function metricSelector(requested: readonly string[]): ((name: string) => boolean) | null {
  if (requested.length === 0) return null; // none
  if (requested.length === 1 && requested[0] === "*") return () => true;
  return (name) => requested.some((prefix) => name.startsWith(prefix));
}

const nanos = (ms: number) => BigInt(ms) * 1_000_000n;

/** Turns metric snapshots into telemetry points, remembering what deltas need. */
export class TelemetryMetrics {
  /** Since when the sums count: the producer's start, or the last reset. */
  #startMs: number;
  /** Per sum: the value and time of the last push the broker took, for deltas. */
  readonly #lastSums = new Map<string, { value: number; atMs: number }>();
  /** The sums of the last {@link collect}, to become `#lastSums` once that push is taken. */
  #collected = new Map<string, { value: number; atMs: number }>();

  constructor(startMs: number) {
    this.#startMs = startMs;
  }

  /** Forget the pushed values (the subscription switched between delta and cumulative). */
  reset(nowMs: number): void {
    this.#startMs = nowMs;
    this.#lastSums.clear();
  }

  /** The broker took the push of the last {@link collect}: later deltas count from it. */
  pushed(): void {
    for (const [name, sum] of this.#collected) this.#lastSums.set(name, sum);
  }

  /** The selected metrics of `values`, read at `nowMs`. */
  collect(
    values: ProducerMetricValues,
    selected: (name: string) => boolean,
    delta: boolean,
    nowMs: number,
  ): OtlpMetric[] {
    const metrics: OtlpMetric[] = [];
    this.#collected = new Map();
    for (const [key, value] of Object.entries(values)) {
      const name = telemetryName(key);
      if (!selected(name)) continue;
      if (!key.endsWith("-total")) {
        metrics.push({ name, kind: "gauge", value, timeUnixNano: nanos(nowMs) });
        continue;
      }
      const last = this.#lastSums.get(name);
      if (delta) this.#collected.set(name, { value, atMs: nowMs });
      metrics.push({
        name,
        kind: "sum",
        value: delta ? value - (last?.value ?? 0) : value,
        timeUnixNano: nanos(nowMs),
        startTimeUnixNano: nanos(delta ? last?.atMs ?? this.#startMs : this.#startMs),
        temporality: delta ? "delta" : "cumulative",
      });
    }
    return metrics;
  }
}
