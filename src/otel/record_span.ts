/**
 * One PRODUCER span per record, after OpenTelemetry's messaging conventions for Kafka (span name
 * `send <topic>`, `messaging.*` attributes), with the span's context injected into the record's
 * headers by the propagator (W3C `traceparent` and `tracestate` with the W3C one).
 *
 * @module
 */

import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type { ProducerRecord, RecordHeaders, RecordMetadata } from "../../mod.ts";

/** What a record span needs besides the record. */
export interface RecordSpanOptions {
  tracer: Tracer;
  propagator: TextMapPropagator;
  /** `messaging.client.id`, when known. */
  clientId?: string;
}

/** A record's span: started before it is sent, ended with its outcome. */
export interface RecordSpan<K, V> {
  /** The record with the trace context added to its headers. */
  record: ProducerRecord<K, V>;
  /** Ends the span with where the record was written (when known). */
  succeeded(meta?: RecordMetadata): void;
  /** Ends the span with the failure. */
  failed(error: unknown): void;
  /** `error.type` on failure, else undefined (for the duration metric). */
  readonly errorType: string | undefined;
}

/** Low-cardinality `error.type`: Kafka's error name for broker errors, else the class name. */
export function errorType(error: unknown): string {
  if (error instanceof Error) {
    const kafkaName = (error as { kafkaName?: unknown }).kafkaName;
    return typeof kafkaName === "string" ? kafkaName : error.name;
  }
  return "_OTHER";
}

function withTraceHeaders(headers: RecordHeaders | undefined, carrier: Record<string, string>) {
  const added = Object.entries(carrier);
  if (added.length === 0) return headers;
  if (headers === undefined) return carrier;
  if (Array.isArray(headers)) return [...headers, ...added];
  return { ...headers, ...carrier };
}

/** Starts the span of `record` (a child of the active context) and injects its context. */
export function startRecordSpan<K, V>(
  record: ProducerRecord<K, V>,
  options: RecordSpanOptions,
): RecordSpan<K, V> {
  const attributes: Attributes = {
    "messaging.system": "kafka",
    "messaging.operation.name": "send",
    "messaging.operation.type": "send",
    "messaging.destination.name": record.topic,
  };
  if (options.clientId !== undefined) attributes["messaging.client.id"] = options.clientId;
  if (typeof record.key === "string") attributes["messaging.kafka.message.key"] = record.key;
  if (record.value === null) attributes["messaging.kafka.message.tombstone"] = true;
  if (record.partition !== undefined) {
    attributes["messaging.destination.partition.id"] = String(record.partition);
  }
  const span: Span = options.tracer.startSpan(`send ${record.topic}`, {
    kind: SpanKind.PRODUCER,
    attributes,
  });
  const carrier: Record<string, string> = {};
  options.propagator.inject(trace.setSpan(context.active(), span), carrier, {
    set: (target, key, value) => {
      target[key] = value;
    },
  });
  let failure: string | undefined;
  return {
    record: { ...record, headers: withTraceHeaders(record.headers, carrier) },
    succeeded(meta) {
      if (meta) {
        span.setAttribute("messaging.destination.partition.id", String(meta.partition));
        if (meta.offset >= 0n) span.setAttribute("messaging.kafka.offset", Number(meta.offset));
      }
      span.end();
    },
    failed(error) {
      failure = errorType(error);
      span.setAttribute("error.type", failure);
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      span.end();
    },
    get errorType() {
      return failure;
    },
  };
}
