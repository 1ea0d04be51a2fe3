/**
 * `instrument(producer, options)`: the same producer, traced and measured. It wraps the
 * producer's public API only: `send()` and `sendBatch()` give each record a span and trace
 * headers, `writable()` streams too, the producer's metrics become observable instruments, and
 * each record's outcome feeds the messaging conventions' `messaging.client.sent.messages` and
 * `messaging.client.operation.duration`. `close()` also unregisters the instruments.
 *
 * @module
 */

import {
  type Histogram,
  type Meter,
  metrics,
  propagation,
  type TextMapPropagator,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import {
  type KafkaProducer,
  type ProducerRecord,
  type RecordMetadata,
  SendBatchError,
  type SendOptions,
  type WritableRecord,
} from "../../mod.ts";
import { SOFTWARE_VERSION } from "../version.ts";
import { observeProducerMetrics } from "./producer_metrics.ts";
import { startRecordSpan } from "./record_span.ts";

/** An OpenTelemetry `TracerProvider` (`@opentelemetry/api`), e.g. the SDK's. */
export interface TracerProviderLike {
  /** Returns an OpenTelemetry `Tracer`. */
  getTracer(name: string, version?: string): object;
}

/** An OpenTelemetry `MeterProvider` (`@opentelemetry/api`), e.g. the SDK's. */
export interface MeterProviderLike {
  /** Returns an OpenTelemetry `Meter`. */
  getMeter(name: string, version?: string): object;
}

/** An OpenTelemetry `TextMapPropagator` (`@opentelemetry/api`), e.g. W3C Trace Context's. */
export interface PropagatorLike {
  /** Writes the context into the carrier through the setter. */
  inject(context: unknown, carrier: unknown, setter?: unknown): void;
}

/** Settings of {@link instrument}. */
export interface InstrumentOptions {
  /** Where spans go. Default: the global tracer provider. */
  tracerProvider?: TracerProviderLike;
  /** Where metrics go. Default: the global meter provider. */
  meterProvider?: MeterProviderLike;
  /**
   * Writes the trace context into record headers. Default: the global propagator (the SDK's
   * default is W3C Trace Context: `traceparent`, `tracestate`).
   */
  propagator?: PropagatorLike;
  /** The producer's `clientId`, for the `messaging.client.id` attribute. */
  clientId?: string;
}

const SCOPE = "@kafka-edge/producer/otel";

/**
 * Returns `producer` instrumented: use it in its place (it is the same producer; its other
 * methods are the producer's own).
 *
 * @example
 * ```ts
 * import { KafkaProducer } from "@kafka-edge/producer";
 * import { instrument } from "@kafka-edge/producer/otel";
 *
 * const producer = instrument(new KafkaProducer({ bootstrapServers: ["127.0.0.1:9092"] }));
 * await producer.send({ topic: "events", value: "traced" }); // a span, and a traceparent header
 * await producer.close();
 * ```
 */
export function instrument<K, V>(
  producer: KafkaProducer<K, V>,
  options: InstrumentOptions = {},
): KafkaProducer<K, V> {
  // The providers are the API's own types, taken structurally so that the public types stay ours.
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    SCOPE,
    SOFTWARE_VERSION,
  ) as Tracer;
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
    SCOPE,
    SOFTWARE_VERSION,
  ) as Meter;
  const spanOptions = {
    tracer,
    propagator: (options.propagator ?? propagation) as TextMapPropagator,
    clientId: options.clientId,
  };
  const sent = meter.createCounter("messaging.client.sent.messages", {
    description: "Number of messages producer attempted to send to the broker.",
    unit: "{message}",
  });
  const duration: Histogram = meter.createHistogram("messaging.client.operation.duration", {
    description: "Duration of messaging operation initiated by a producer or consumer client.",
    unit: "s",
  });
  const unobserve = observeProducerMetrics(producer, meter);

  // The tracer, meter and propagator are the user's: a throw from them must change nothing the
  // producer does. A record the span cannot be started for goes untraced (if it is not a valid
  // record, the producer rejects it as it would without OpenTelemetry).
  const begin = (record: ProducerRecord<K, V>) => {
    let span: ReturnType<typeof startRecordSpan>;
    try {
      span = startRecordSpan(record, spanOptions);
    } catch {
      return { record, done: () => {} };
    }
    const started = performance.now();
    const done = (meta: RecordMetadata | undefined, error?: unknown) => {
      try {
        if (error === undefined) span.succeeded(meta);
        else span.failed(error);
        const attributes = {
          "messaging.system": "kafka",
          "messaging.operation.name": "send",
          "messaging.destination.name": record.topic,
          ...(span.errorType ? { "error.type": span.errorType } : {}),
        };
        sent.add(1, attributes);
        duration.record((performance.now() - started) / 1000, attributes);
      } catch {
        // the user's tracer or meter failed: the record's outcome stands
      }
    };
    return { record: span.record as ProducerRecord<K, V>, done };
  };

  const send = (record: ProducerRecord<K, V>, sendOptions?: SendOptions) => {
    const traced = begin(record);
    const delivery = producer.send(traced.record, sendOptions);
    delivery.then((meta) => traced.done(meta), (error) => traced.done(undefined, error));
    return delivery;
  };

  const sendBatch = async (
    records: Iterable<ProducerRecord<K, V>> | AsyncIterable<ProducerRecord<K, V>>,
    sendOptions?: SendOptions,
  ) => {
    const open: ReturnType<typeof begin>[] = [];
    // The input's own error is kept here, so that the records taken before it still report
    // their own outcomes to their spans; the caller gets it as sendBatch() would throw it.
    const input: { failed: boolean; error?: unknown } = { failed: false };
    async function* traced() {
      try {
        for await (const record of records) {
          const started = begin(record);
          open.push(started);
          yield started.record;
        }
      } catch (error) {
        input.failed = true;
        input.error = error;
      }
    }
    let metas: RecordMetadata[];
    try {
      metas = await producer.sendBatch(traced(), sendOptions);
      open.forEach((o, i) => o.done(metas[i]));
    } catch (error) {
      const results = error instanceof SendBatchError ? error.results : [];
      open.forEach((o, i) => {
        const result = results[i];
        if (result && !(result instanceof Error)) o.done(result);
        else o.done(undefined, result ?? error);
      });
      throw input.failed ? input.error : error;
    }
    if (input.failed) throw input.error;
    return metas;
  };

  // Records written to a stream report no outcome of their own: their spans end when the
  // stream does (closed: every record acknowledged; errored or aborted: the error).
  const writable = (topic: string, writableOptions?: { highWaterMark?: number }) => {
    const writer = producer.writable(topic, writableOptions).getWriter();
    const open: ReturnType<typeof begin>[] = [];
    const endAll = (error?: unknown) => {
      for (const record of open.splice(0)) record.done(undefined, error);
    };
    return new WritableStream<WritableRecord<K, V>>({
      async write(chunk) {
        const started = begin({ ...chunk, topic });
        open.push(started);
        const { topic: _topic, ...traced } = started.record;
        await writer.write(traced);
      },
      async close() {
        try {
          await writer.close();
          endAll();
        } catch (error) {
          endAll(error);
          throw error;
        }
      },
      async abort(reason) {
        endAll(reason ?? new Error("stream aborted"));
        await writer.abort(reason);
      },
    }, { highWaterMark: writableOptions?.highWaterMark ?? 1 });
  };

  const close = async (closeOptions?: { timeoutMs?: number }) => {
    try {
      await producer.close(closeOptions);
    } finally {
      unobserve();
    }
  };

  const overrides: Record<string, unknown> = { send, sendBatch, writable, close };
  return new Proxy(producer, {
    get(target, property) {
      if (typeof property === "string" && property in overrides) return overrides[property];
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
