/**
 * producer.metrics() on the real broker: every figure is checked against what the producer's
 * own events reported and what kcat reads back, not against constants. Runs on Deno, Bun and
 * Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { type BatchEvent, KafkaBrokerError, KafkaProducer, type RequestEvent } from "../../mod.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

test(
  "compression-rate-avg: encoded over uncompressed batch bytes",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("metrics-lz4");
    await createTopic(topic, 1);
    const producer = new KafkaProducer({
      bootstrapServers: bootstrapServers(),
      compressionType: "lz4",
      lingerMs: 20,
    });
    const batches: BatchEvent[] = [];
    producer.on("batch", (e) => batches.push(e));
    try {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) => producer.send({ topic, value: "x".repeat(200 + i) })),
      );
      const rate = producer.metrics()["compression-rate-avg"];
      // Runs of one letter: lz4 shrinks them at least tenfold; the rate is nowhere near 1.
      assert.ok(rate > 0 && rate < 0.1, `compression-rate-avg ${rate}`);
      const uncompressed = 500 * 200;
      const sent = batches.reduce((n, b) => n + b.sizeBytes, 0);
      assert.ok(sent < uncompressed / 10, `batches took ${sent} bytes`);
    } finally {
      await producer.close();
    }
  },
);

test("metrics match the batches and requests that went out, and kcat's records", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("metrics");
  await createTopic(topic, 3);
  const bufferMemory = 4 * 1024 * 1024;
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    lingerMs: 20,
    batchSize: 4096,
    bufferMemory,
  });
  const requests: RequestEvent[] = [];
  const batches: BatchEvent[] = [];
  producer.on("request", (e) => requests.push(e)).on("batch", (e) => batches.push(e));
  const before = producer.metrics();
  assert.equal(before["record-send-total"], 0);
  assert.ok(Number.isNaN(before["batch-size-avg"]), "nothing sent yet");

  const started = Date.now();
  const count = 2000;
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) => producer.send({ topic, key: `k${i % 37}`, value: `record ${i} `.padEnd(100, "x") }),
    ),
  );
  const m = producer.metrics();
  const elapsedS = (Date.now() - started) / 1000;

  const produce = requests.filter((r) => r.api === "Produce");
  assert.equal(batches.reduce((n, b) => n + b.recordCount, 0), count);
  assert.equal(m["record-retry-total"], 0, "a healthy broker needs no retries");
  assert.equal(m["record-send-total"], count);
  assert.equal(m["record-error-total"], 0);
  assert.equal(m["record-error-rate"], 0);
  // A rate over Java's window: at least 30 s (one full sample) plus the time since the start.
  assert.ok(m["record-send-rate"] <= count / 30, `record-send-rate ${m["record-send-rate"]}`);
  assert.ok(m["record-send-rate"] >= count / (30 + elapsedS + 1));
  assert.ok(close(m["records-per-request-avg"], count / produce.length));
  const sizes = batches.map((b) => b.sizeBytes);
  assert.ok(close(m["batch-size-avg"], sizes.reduce((a, b) => a + b, 0) / sizes.length));
  assert.equal(m["batch-size-max"], Math.max(...sizes));
  assert.equal(m["compression-rate-avg"], 1, "no compression");
  const latencies = produce.map((r) => r.latencyMs);
  assert.ok(latencies.every((l) => l > 0));
  assert.equal(m["request-latency-max"], Math.max(...latencies));
  assert.ok(close(m["request-latency-avg"], latencies.reduce((a, b) => a + b) / latencies.length));
  assert.ok(m["record-queue-time-max"] >= m["record-queue-time-avg"]);
  assert.ok(m["record-queue-time-avg"] >= 0);
  assert.equal(m["produce-throttle-time-max"], 0);
  // Every request on the wire (ApiVersions, Metadata, InitProducerId, Produce) is counted.
  assert.equal(m["request-total"], requests.length);
  assert.ok(
    requests.some((r) => r.api === "ApiVersions") && requests.some((r) => r.api === "Metadata"),
  );
  assert.equal(m["outgoing-byte-total"], requests.reduce((n, r) => n + r.requestBytes, 0));
  assert.equal(m["incoming-byte-total"], requests.reduce((n, r) => n + r.responseBytes, 0));
  assert.equal(m["buffer-total-bytes"], bufferMemory);
  assert.equal(m["buffer-available-bytes"], bufferMemory, "every batch buffer is back");
  assert.equal(m["requests-in-flight"], 0);
  assert.ok(m["connection-count"] >= 1);
  assert.equal(m["bufferpool-wait-time-ns-total"], 0);

  // The batches' offsets are where kcat finds the records.
  const read = await readTopic(topic);
  assert.equal(read.length, count);
  const offsets = new Set(read.map((r) => `${r.partition}/${r.offset}`));
  for (const b of batches) {
    for (let i = 0n; i < BigInt(b.recordCount); i++) {
      assert.ok(offsets.has(`${b.partition}/${b.baseOffset + i}`));
    }
  }
  await producer.close();
  assert.equal(producer.metrics()["connection-count"], 0);
});

test("a record the broker refuses counts as an error; memory waits are timed", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("metrics-errors");
  await createTopic(topic, 1, { "max.message.bytes": "2000" });
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    bufferMemory: 4096,
    batchSize: 1024,
    lingerMs: 50,
  });
  try {
    await producer.send({ topic, value: "warm-up" });
    await assert.rejects(
      producer.send({ topic, value: "x".repeat(3000) }),
      (e) => e instanceof KafkaBrokerError && e.kafkaName === "MESSAGE_TOO_LARGE",
    );
    let m = producer.metrics();
    assert.equal(m["record-error-total"], 1);
    assert.ok(m["record-error-rate"] > 0);
    // Records larger than batchSize get a buffer each: the third of ~1.5 KiB waits for memory.
    await Promise.all(
      Array.from({ length: 3 }, (_, p) => producer.send({ topic, value: "y".repeat(1500 + p) })),
    );
    m = producer.metrics();
    assert.ok(m["bufferpool-wait-time-ns-total"] > 0, "the third batch waited for memory");
    assert.ok(m["bufferpool-wait-ratio"] > 0);
    assert.equal(m["record-error-total"], 1);
  } finally {
    await producer.close();
  }
});
