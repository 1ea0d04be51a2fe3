/**
 * OpenTelemetry for kafka-edge's producer, optional (it needs `@opentelemetry/api`; the rest of
 * the package never imports it): a PRODUCER span per record after the messaging conventions for
 * Kafka, the trace context in each record's headers (W3C `traceparent`), and the producer's
 * metrics as OpenTelemetry instruments.
 *
 * @module
 */

export {
  instrument,
  type InstrumentOptions,
  type MeterProviderLike,
  type PropagatorLike,
  type TracerProviderLike,
} from "./src/otel/instrument.ts";
/** The producer that {@link instrument} wraps. */
export type { KafkaProducer } from "./mod.ts";
export { errorType } from "./src/otel/record_span.ts";
