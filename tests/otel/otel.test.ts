/**
 * `@kafka-edge/producer/otel` against the real broker, with OpenTelemetry's SDK and its
 * in-memory exporters: one PRODUCER span per record with the messaging attributes, ended with
 * the record's partition and offset (or its error), a `traceparent` header that kcat reads back
 * and that names the record's own span, and the producer's metrics as instruments.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SpanKind, SpanStatusCode, type TracerProvider } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { KafkaProducer } from "../../mod.ts";
import { instrument } from "../../otel.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";

function setUp() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { spans, tracerProvider, metricExporter, reader, meterProvider };
}

test("a span per record, its context in the record's headers, metrics as instruments", {
  timeout: 60_000,
}, async () => {
  const topic = uniqueTopic("otel");
  await createTopic(topic, 3);
  const { spans, tracerProvider, metricExporter, reader, meterProvider } = setUp();
  const producer = instrument(
    new KafkaProducer({ bootstrapServers: bootstrapServers(), clientId: "otel-test" }),
    {
      tracerProvider,
      meterProvider,
      propagator: new W3CTraceContextPropagator(),
      clientId: "otel-test",
    },
  );
  try {
    const keyed = await producer.send({
      topic,
      key: "user-1",
      value: "v1",
      headers: { source: "test" },
    });
    const tombstone = await producer.send({ topic, key: "user-2", value: null, partition: 1 });
    const batch = await producer.sendBatch([
      { topic, key: "user-3", value: "b1", headers: [["h", "1"], ["h", "2"]] },
      { topic, value: "b2" },
    ]);
    const writer = producer.writable(topic).getWriter();
    await writer.write({ key: "stream", value: "w1" });
    await writer.close();
    await assert.rejects(producer.send({ topic: "otel-absent-topic", value: "x" }, {
      signal: AbortSignal.timeout(500),
    }));

    const finished = spans.getFinishedSpans();
    assert.equal(finished.length, 6, "one span per record");
    for (const span of finished) {
      assert.equal(span.kind, SpanKind.PRODUCER);
      assert.equal(span.attributes["messaging.system"], "kafka");
      assert.equal(span.attributes["messaging.operation.name"], "send");
      assert.equal(span.attributes["messaging.client.id"], "otel-test");
    }
    const [first, second, third, fourth, streamed, failed] = finished;
    assert.equal(first.name, `send ${topic}`);
    assert.equal(first.attributes["messaging.destination.name"], topic);
    assert.equal(first.attributes["messaging.kafka.message.key"], "user-1");
    assert.equal(first.attributes["messaging.destination.partition.id"], String(keyed.partition));
    assert.equal(first.attributes["messaging.kafka.offset"], Number(keyed.offset));
    assert.equal(second.attributes["messaging.kafka.message.tombstone"], true);
    assert.equal(second.attributes["messaging.destination.partition.id"], "1");
    assert.equal(second.attributes["messaging.kafka.offset"], Number(tombstone.offset));
    assert.equal(third.attributes["messaging.kafka.offset"], Number(batch[0].offset));
    assert.equal(fourth.attributes["messaging.kafka.message.key"], undefined, "no key: not set");
    assert.equal(fourth.attributes["messaging.kafka.offset"], Number(batch[1].offset));
    assert.equal(streamed.attributes["messaging.kafka.message.key"], "stream");
    assert.equal(failed.name, "send otel-absent-topic");
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.equal(failed.attributes["error.type"], "AbortError");
    assert.equal(failed.events[0]?.name, "exception");

    // kcat reads each record's traceparent: the W3C header naming the record's own span.
    const traceparent = (span: (typeof finished)[number]) =>
      `traceparent=00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;
    const read = await readTopic(topic);
    const byValue = new Map(read.map((r) => [r.value, r.headers]));
    assert.equal(byValue.get("v1"), `source=test,${traceparent(first)}`);
    assert.equal(byValue.get(null), traceparent(second));
    assert.equal(byValue.get("b1"), `h=1,h=2,${traceparent(third)}`);
    assert.equal(byValue.get("b2"), traceparent(fourth));
    assert.equal(byValue.get("w1"), traceparent(streamed));

    await reader.forceFlush();
    const exported = metricExporter.getMetrics().flatMap((m) =>
      m.scopeMetrics.flatMap((s) => s.metrics)
    );
    const points = (name: string): { value: unknown; attributes: Record<string, unknown> }[] =>
      exported.filter((m) => m.descriptor.name === name).flatMap((
        m,
      ) => (m.dataPoints as { value: unknown; attributes: Record<string, unknown> }[]));
    const sendTotal = points("kafka.producer.record_send_total");
    assert.ok(sendTotal.length > 0, "the producer's Java-named metrics are instruments");
    assert.equal(sendTotal.at(-1)?.value, producer.metrics()["record-send-total"]);
    assert.ok(points("kafka.producer.request_latency_avg").length > 0);
    const sent = points("messaging.client.sent.messages");
    const total = sent.reduce((sum, p) => sum + (p.value as number), 0);
    assert.equal(total, 6);
    const failures = sent.filter((p) => p.attributes["error.type"] === "AbortError");
    assert.equal(failures.length, 1);
    assert.ok(points("messaging.client.operation.duration").length > 0);
  } finally {
    await producer.close();
    await meterProvider.shutdown();
  }
});

test(
  "a tracer that throws changes nothing; an input that throws leaves delivered records' spans OK",
  {
    timeout: 60_000,
  },
  async () => {
    const topic = uniqueTopic("otel-faults");
    await createTopic(topic, 1);
    const broken = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error("tracer down");
        },
      }),
    } as unknown as TracerProvider;
    const untraced = instrument(
      new KafkaProducer({ bootstrapServers: bootstrapServers() }),
      { tracerProvider: broken, propagator: new W3CTraceContextPropagator() },
    );
    try {
      assert.equal((await untraced.send({ topic, value: "untraced" })).offset, 0n);
    } finally {
      await untraced.close();
    }

    const { spans, tracerProvider } = setUp();
    const producer = instrument(
      new KafkaProducer({ bootstrapServers: bootstrapServers() }),
      { tracerProvider, propagator: new W3CTraceContextPropagator() },
    );
    try {
      const input = async function* () {
        yield { topic, value: "before the input failed" };
        throw new Error("input failed");
      };
      await assert.rejects(producer.sendBatch(input()), /input failed/);
      const [span] = spans.getFinishedSpans();
      assert.notEqual(span.status.code, SpanStatusCode.ERROR, "a delivered record's span failed");
      assert.equal(span.attributes["messaging.kafka.offset"], 1);
    } finally {
      await producer.close();
    }
    const read = await readTopic(topic);
    assert.deepEqual(read.map((r) => r.value), ["untraced", "before the input failed"]);
  },
);
