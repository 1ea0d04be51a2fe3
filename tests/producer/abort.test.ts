/**
 * send(record, { signal }) on the real broker: a record aborted while it waits for metadata or
 * for buffer memory is not sent (kcat checks), the sends behind it keep their order, and a
 * record already appended is delivered whatever the signal does. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { AbortError, KafkaProducer } from "../../mod.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { throughRelays } from "../_lib/relay.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const isAbort = (reason: unknown) => (e: unknown) =>
  e instanceof AbortError && e.name === "AbortError" && e.cause === reason;

test(
  "an already aborted signal: rejected at once, nothing sent",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("abort-early");
    await createTopic(topic, 1);
    const producer = new KafkaProducer({ bootstrapServers: bootstrapServers() });
    try {
      const reason = new Error("changed my mind");
      await assert.rejects(
        producer.send({ topic, value: "never" }, { signal: AbortSignal.abort(reason) }),
        isAbort(reason),
      );
      await producer.send({ topic, value: "kept" });
    } finally {
      await producer.close();
    }
    assert.deepEqual((await readTopic(topic)).map((r) => r.value), ["kept"]);
  },
);

test("aborted while waiting for metadata: rejected at once; the others go, in order", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("abort-metadata");
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    allowAutoCreateTopics: false,
    maxBlockMs: 60_000,
  });
  try {
    const head = new AbortController();
    const middle = new AbortController();
    const started = Date.now();
    const sends = [
      producer.send({ topic, value: "a" }, { signal: head.signal }), // waits for metadata
      producer.send({ topic, value: "b" }),
      producer.send({ topic, value: "c" }, { signal: middle.signal }), // queued behind
      producer.send({ topic, value: "d" }),
    ];
    head.abort("head");
    middle.abort("middle");
    await assert.rejects(sends[0], isAbort("head"));
    await assert.rejects(sends[2], isAbort("middle"));
    assert.ok(Date.now() - started < 10_000, "rejected without waiting for maxBlockMs");
    await createTopic(topic, 1);
    const [b, d] = await Promise.all([sends[1], sends[3]]);
    assert.ok(d.offset > b.offset);
  } finally {
    await producer.close();
  }
  assert.deepEqual((await readTopic(topic)).map((r) => r.value), ["b", "d"]);
});

test("aborted while waiting for buffer memory: not sent; appended records are delivered", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("abort-memory");
  await createTopic(topic, 1);
  const relayed = throughRelays(detectTransport());
  // Records larger than batchSize take a buffer each: two fill the 4 KiB of memory.
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    transport: relayed,
    bufferMemory: 4096,
    batchSize: 1024,
    maxBlockMs: 60_000,
  });
  const value = (c: string) => c.repeat(1500);
  try {
    await producer.send({ topic, value: "warm-up" });
    for (const relay of relayed.relays()) relay.pause(); // nothing is acknowledged: memory stays held
    const appended = new AbortController();
    const first = producer.send({ topic, value: value("a") }, { signal: appended.signal });
    const second = producer.send({ topic, value: value("b") });
    const waiting = new AbortController();
    const third = producer.send({ topic, value: value("c") }, { signal: waiting.signal });
    const fourth = producer.send({ topic, value: value("d") }); // queued behind the third
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(producer.metrics()["buffer-available-bytes"] < 1500, "memory is full");
    appended.abort(); // too late: "a" is in a batch
    waiting.abort("no room");
    await assert.rejects(third, isAbort("no room"));
    for (const relay of relayed.relays()) relay.resume();
    const metas = await Promise.all([first, second, fourth]);
    assert.deepEqual(metas.map((m) => m.offset), [1n, 2n, 3n]);
  } finally {
    await producer.close();
    await relayed.close();
  }
  const read = await readTopic(topic);
  assert.deepEqual(read.map((r) => r.value), ["warm-up", value("a"), value("b"), value("d")]);
});
