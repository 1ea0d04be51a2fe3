/**
 * producer.writable(topic) on the real broker: a ReadableStream piped into it arrives whole and
 * in order (kcat); writes wait while buffer memory is full (backpressure); a delivery failure
 * errors the stream and close() reports it; abort() takes back the write that waits. Runs on
 * Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaBrokerError, KafkaProducer, type WritableRecord } from "../../mod.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { throughRelays } from "../_lib/relay.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

test("a ReadableStream piped into writable(topic) arrives whole and in order", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("writable");
  await createTopic(topic, 1);
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    bufferMemory: 32 * 1024,
    batchSize: 8 * 1024,
  });
  const count = 5000;
  let i = 0;
  const source = new ReadableStream<WritableRecord>({
    pull(controller) {
      if (i === count) controller.close();
      else controller.enqueue({ key: `k${i % 7}`, value: `line ${i++}`, headers: { n: "1" } });
    },
  });
  try {
    await source.pipeTo(producer.writable(topic));
    // close() (done by pipeTo) resolved only once every record was acknowledged.
    assert.equal(producer.metrics()["record-send-total"], count);
  } finally {
    await producer.close();
  }
  const read = await readTopic(topic);
  assert.deepEqual(read.map((r) => r.value), Array.from({ length: count }, (_, n) => `line ${n}`));
  assert.ok(read.every((r) => r.headers === "n=1"));
});

test("writes wait while buffer memory is full; abort() takes back the waiting one", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("writable-backpressure");
  await createTopic(topic, 1);
  const relayed = throughRelays(detectTransport());
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    transport: relayed,
    bufferMemory: 4096,
    batchSize: 1024,
  });
  try {
    await producer.send({ topic, value: "warm-up" });
    for (const relay of relayed.relays()) relay.pause(); // nothing acknowledged, nothing freed
    const writer = producer.writable(topic).getWriter();
    const big = (c: string) => ({ value: c.repeat(1500) }); // a buffer each: 2 fit in 4 KiB
    await writer.write(big("a"));
    await writer.write(big("b"));
    const third = writer.write(big("c"));
    let thirdDone = false;
    third.then(() => (thirdDone = true), () => (thirdDone = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(thirdDone, false, "the third write waits for memory");
    assert.equal(writer.desiredSize, 0, "the stream reports backpressure");
    const aborting = writer.abort(new Error("stop"));
    await assert.rejects(third);
    await aborting;
    for (const relay of relayed.relays()) relay.resume();
    await producer.flush();
  } finally {
    await producer.close();
    await relayed.close();
  }
  const values = (await readTopic(topic)).map((r) => r.value?.[0] ?? "");
  assert.deepEqual(values, ["w", "a", "b"], "the aborted write was not sent");
});

test("a failed delivery errors the stream: close() rejects with the broker's error", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("writable-error");
  await createTopic(topic, 1, { "max.message.bytes": "2000" });
  const producer = new KafkaProducer({ bootstrapServers: bootstrapServers(), lingerMs: 50 });
  try {
    const writer = producer.writable(topic).getWriter();
    await writer.write({ value: "fits" });
    await writer.write({ value: "x".repeat(3000) }); // accepted here, refused by the broker
    await assert.rejects(
      writer.close(),
      (e) => e instanceof KafkaBrokerError && e.kafkaName === "MESSAGE_TOO_LARGE",
    );
    await assert.rejects(writer.write({ value: "after" }), KafkaBrokerError);
  } finally {
    await producer.close();
  }
  assert.deepEqual((await readTopic(topic)).map((r) => r.value), ["fits"]);
});
