/**
 * The producer's metrics (`producer.metrics()`, the Java client's) as OpenTelemetry observable
 * instruments, read in one snapshot per collection: `kafka.producer.<name>` with the Java name's
 * dashes as underscores (e.g. `kafka.producer.record_send_total`), as OpenTelemetry's Java Kafka
 * instrumentation names them. Totals are counters, the rest gauges; NaN (nothing measured yet)
 * is not reported.
 *
 * @module
 */

import type { Meter, Observable } from "@opentelemetry/api";
import type { KafkaProducer, ProducerMetricValues } from "../../mod.ts";

function unitOf(name: string): string | undefined {
  if (name.endsWith("-ns-total")) return "ns";
  if (/latency|queue-time|throttle-time/.test(name)) return "ms";
  if (/byte|batch-size/.test(name)) return "By";
  return undefined;
}

/** Registers the instruments; returns the function that unregisters them. */
export function observeProducerMetrics<K, V>(
  producer: KafkaProducer<K, V>,
  meter: Meter,
): () => void {
  const names = Object.keys(producer.metrics()) as (keyof ProducerMetricValues)[];
  const instruments = new Map<keyof ProducerMetricValues, Observable>();
  for (const name of names) {
    const otelName = `kafka.producer.${name.replaceAll("-", "_")}`;
    const options = { description: `Kafka producer metric ${name}`, unit: unitOf(name) };
    instruments.set(
      name,
      name.endsWith("-total")
        ? meter.createObservableCounter(otelName, options)
        : meter.createObservableGauge(otelName, options),
    );
  }
  const callback = (result: { observe(o: Observable, value: number): void }) => {
    const values = producer.metrics();
    for (const [name, instrument] of instruments) {
      const value = values[name];
      if (!Number.isNaN(value)) result.observe(instrument, value);
    }
  };
  const observables = [...instruments.values()];
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
