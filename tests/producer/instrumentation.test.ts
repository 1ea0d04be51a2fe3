/**
 * Events and the logger on the real broker. An OpenTelemetry-like recorder (spans from request
 * events, counters and a histogram from batch events) consumes the events the way an exporter
 * would; a connection cut through a relay shows the retry, disconnect and reconnect events and
 * log lines. kcat checks what was written. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BatchEvent,
  type ConnectionEvent,
  KafkaProducer,
  type LogFields,
  type Logger,
  type ProducerEventMap,
  type RequestEvent,
  type RetryEvent,
} from "../../mod.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { throughRelays } from "../_lib/relay.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

/** What an OTel span exporter would be handed: name, start, duration, attributes, status. */
interface Span {
  name: string;
  startTimeMs: number;
  durationMs: number;
  attributes: Record<string, string | number>;
  status: "OK" | "ERROR";
}

/** A minimal stand-in for an OTel tracer and meter, fed only by producer events. */
class TelemetryRecorder {
  readonly spans: Span[] = [];
  readonly counters = new Map<string, number>();
  readonly latencyHistogram = new Map<number, number>(); // bucket upper bound (ms) -> count

  attach(producer: KafkaProducer): void {
    producer.on("request", (e) => this.#onRequest(e));
    producer.on("batch", (e) => this.#onBatch(e));
    producer.on(
      "retry",
      (e) => this.#add(`kafka.producer.retries{topic=${e.topic}}`, e.recordCount),
    );
  }

  #onRequest(e: RequestEvent): void {
    this.spans.push({
      name: `kafka ${e.api}`,
      startTimeMs: e.startTimeMs,
      durationMs: e.latencyMs,
      attributes: {
        "server.address": e.host,
        "server.port": e.port,
        "kafka.node.id": e.nodeId,
        "kafka.api.version": e.apiVersion,
        "messaging.request.size": e.requestBytes,
      },
      status: e.error ? "ERROR" : "OK",
    });
    const bucket = [1, 5, 25, 100, 500, Infinity].find((b) => e.latencyMs <= b)!;
    this.latencyHistogram.set(bucket, (this.latencyHistogram.get(bucket) ?? 0) + 1);
  }

  #onBatch(e: BatchEvent): void {
    const outcome = e.error ? "error" : "ok";
    this.#add(`kafka.producer.records{topic=${e.topic},outcome=${outcome}}`, e.recordCount);
    this.#add(`kafka.producer.bytes{topic=${e.topic}}`, e.sizeBytes);
  }

  #add(name: string, n: number): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }
}

/** Keeps every log line. */
class MemoryLogger implements Logger {
  readonly lines: { level: string; message: string; fields: LogFields }[] = [];
  debug(message: string, fields: LogFields = {}) {
    this.lines.push({ level: "debug", message, fields });
  }
  info(message: string, fields: LogFields = {}) {
    this.lines.push({ level: "info", message, fields });
  }
  warn(message: string, fields: LogFields = {}) {
    this.lines.push({ level: "warn", message, fields });
  }
  error(message: string, fields: LogFields = {}) {
    this.lines.push({ level: "error", message, fields });
  }
}

test("an OpenTelemetry-like recorder builds spans and metrics from the events", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("otel");
  await createTopic(topic, 2);
  const producer = new KafkaProducer({ bootstrapServers: bootstrapServers(), lingerMs: 10 });
  const recorder = new TelemetryRecorder();
  recorder.attach(producer);
  const connects: ConnectionEvent[] = [];
  const onConnect = (e: ProducerEventMap["connect"]) => connects.push(e);
  producer.on("connect", onConnect);
  const count = 500;
  const metas = await Promise.all(
    Array.from({ length: count }, (_, i) => producer.send({ topic, key: `k${i}`, value: `v${i}` })),
  );
  await producer.close();

  const produceSpans = recorder.spans.filter((s) => s.name === "kafka Produce");
  assert.ok(produceSpans.length >= 1);
  const [host, port] = bootstrapServers()[0].split(":");
  for (const span of produceSpans) {
    assert.equal(span.status, "OK");
    assert.equal(span.attributes["server.address"], host);
    assert.equal(span.attributes["server.port"], Number(port));
    assert.ok(span.durationMs > 0 && span.startTimeMs <= Date.now());
  }
  assert.ok(recorder.spans.some((s) => s.name === "kafka Metadata"));
  assert.equal(
    [...recorder.latencyHistogram.values()].reduce((a, b) => a + b),
    recorder.spans.length,
  );
  assert.equal(recorder.counters.get(`kafka.producer.records{topic=${topic},outcome=ok}`), count);
  assert.equal(
    recorder.counters.get(`kafka.producer.records{topic=${topic},outcome=error}`),
    undefined,
  );
  assert.ok(connects.some((c) => c.host === host && c.port === Number(port)));

  const read = await readTopic(topic);
  assert.equal(read.length, count);
  assert.deepEqual(
    new Set(read.map((r) => `${r.partition}/${r.offset}`)),
    new Set(metas.map((m) => `${m.partition}/${m.offset}`)),
  );
});

test("off() stops a listener; a throwing listener is logged and harms nothing", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("events-off");
  await createTopic(topic, 1);
  const logger = new MemoryLogger();
  const producer = new KafkaProducer({ bootstrapServers: bootstrapServers(), logger });
  const seen: BatchEvent[] = [];
  const listener = (e: BatchEvent) => seen.push(e);
  producer.on("batch", listener);
  producer.on("batch", () => {
    throw new Error("listener bug");
  });
  try {
    await producer.send({ topic, value: "one" });
    producer.off("batch", listener);
    await producer.send({ topic, value: "two" });
    assert.equal(seen.length, 1);
    assert.ok(logger.lines.some((l) => l.level === "error" && l.message.includes("listener")));
  } finally {
    await producer.close();
  }
  assert.equal((await readTopic(topic)).map((r) => r.value).join(), "one,two");
});

test("a cut connection: retry and disconnect events, warnings logged, the record written once", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("events-retry");
  await createTopic(topic, 1);
  const relayed = throughRelays(detectTransport());
  const logger = new MemoryLogger();
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    transport: relayed,
    logger,
    lingerMs: 0,
  });
  const retries: RetryEvent[] = [];
  const disconnects: ConnectionEvent[] = [];
  const failedRequests: RequestEvent[] = [];
  producer.on("retry", (e) => retries.push(e));
  producer.on("disconnect", (e) => disconnects.push(e));
  producer.on("request", (e) => e.error && failedRequests.push(e));
  const secret = `value-${Math.random()}`;
  try {
    await producer.send({ topic, value: "warm-up" });
    for (const relay of relayed.relays()) relay.pause();
    const pending = producer.send({ topic, value: secret });
    // Let the request reach the stalled relay, then cut it mid-flight.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const relay of relayed.relays()) relay.cutAll();
    for (const relay of relayed.relays()) relay.resume();
    const meta = await pending;
    assert.ok(retries.length >= 1, "the batch was retried");
    assert.equal(retries[0].topic, topic);
    assert.equal(retries[0].attempt, 1);
    assert.ok(retries[0].backoffMs > 0);
    assert.ok(disconnects.length >= 1 && disconnects[0].error);
    assert.ok(failedRequests.some((r) => r.api === "Produce"));
    assert.equal(producer.metrics()["record-retry-total"], retries.length);
    const read = await readTopic(topic);
    assert.deepEqual(read.map((r) => r.value), ["warm-up", secret], "written once, in order");
    assert.equal(read[1].offset, meta.offset);
  } finally {
    await producer.close();
    await relayed.close();
  }
  const levels = (message: string) =>
    logger.lines.filter((l) => l.message === message).map((l) => l.level);
  assert.ok(levels("connected to broker").includes("info"));
  assert.ok(levels("connection to broker lost").includes("warn"));
  assert.ok(levels("retrying batch").includes("warn"));
  assert.ok(levels("metadata updated").includes("debug"));
  assert.ok(levels("producer id assigned").includes("info"));
  assert.deepEqual(levels("producer closed"), ["info"]);
  // Log lines carry addresses, topics and counts, never record contents.
  assert.ok(
    !JSON.stringify(logger.lines, (_, v) => typeof v === "bigint" ? String(v) : v).includes(secret),
  );
});

test("silent by default: nothing reaches the console", { timeout: BROKER_TIMEOUT_MS }, async () => {
  const topic = uniqueTopic("silent");
  await createTopic(topic, 1);
  const levels = ["debug", "info", "warn", "error", "log"] as const;
  const saved = levels.map((level) => console[level]);
  let calls = 0;
  for (const level of levels) console[level] = () => void calls++;
  try {
    const producer = new KafkaProducer({ bootstrapServers: bootstrapServers() });
    await producer.send({ topic, value: "quiet" });
    await producer.close();
  } finally {
    levels.forEach((level, i) => (console[level] = saved[i]));
  }
  assert.equal(calls, 0);
  // The same run with `logger: console` would have logged: the logger is what decides.
  const logger = new MemoryLogger();
  const producer = new KafkaProducer({ bootstrapServers: bootstrapServers(), logger });
  await producer.send({ topic, value: "logged" });
  await producer.close();
  assert.ok(logger.lines.length > 0);
});
