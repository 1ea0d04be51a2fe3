/**
 * Producer behaviour on the real broker: linger and batch size, flush and close with records
 * buffered, metadata for topics that appear later or never, and misuse. Runs on Deno, Bun and
 * Node. Time bounds here are generous sanity checks of behaviour, not speed measurements.
 */

import assert from "node:assert/strict";
import { type AddressInfo, createServer } from "node:net";
import { test } from "node:test";
import {
  InvalidRecordError,
  KafkaAdmin,
  KafkaBrokerError,
  KafkaProducer,
  ProducerClosedError,
  RecordTooLargeError,
  SerializationError,
  TimeoutError,
} from "../../mod.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

function producer(config: Partial<ConstructorParameters<typeof KafkaProducer>[0]> = {}) {
  return new KafkaProducer({ bootstrapServers: bootstrapServers(), ...config });
}

test("a lone record waits about lingerMs; a full batch goes at once", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("linger");
  await createTopic(topic, 1);
  const p = producer({ lingerMs: 400, batchSize: 2048 });
  try {
    await p.send({ topic, value: "warm-up" }); // metadata and connection
    let started = Date.now();
    await p.send({ topic, value: "alone" });
    const lone = Date.now() - started;
    assert.ok(lone >= 350, `a lone record was sent after ${lone} ms, before lingerMs`);

    // 100-byte records fill a 2 KiB batch after ~19: the first ones go before the linger ends.
    started = Date.now();
    const first = p.send({ topic, value: "x".repeat(100) });
    const rest = Array.from({ length: 30 }, () => p.send({ topic, value: "y".repeat(100) }));
    await first;
    const full = Date.now() - started;
    assert.ok(full < 300, `a full batch waited ${full} ms, as if for lingerMs`);
    await Promise.all(rest);
  } finally {
    await p.close();
  }
});

test(
  "flush sends buffered records at once and waits for them",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("flush");
    await createTopic(topic, 3);
    const p = producer({ lingerMs: 60_000 });
    try {
      await p.partitionsFor(topic);
      let settled = 0;
      const sends = Array.from(
        { length: 20 },
        (_, i) => p.send({ topic, key: `k${i}`, value: `v${i}` }).then((m) => (settled++, m)),
      );
      const started = Date.now();
      await p.flush();
      assert.equal(settled, 20, "every record settled when flush resolved");
      assert.ok(Date.now() - started < 10_000, "flush did not wait for lingerMs");
      await Promise.all(sends);
      assert.equal((await readTopic(topic)).length, 20);
    } finally {
      await p.close();
    }
  },
);

test("close sends what is buffered; later sends reject; close is idempotent", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("close");
  await createTopic(topic, 1);
  const p = producer({ lingerMs: 60_000 });
  const sends = Array.from({ length: 10 }, (_, i) => p.send({ topic, value: `v${i}` }));
  const closing = p.close();
  assert.equal(p.close(), closing, "a second close returns the same promise");
  await closing;
  const metas = await Promise.all(sends);
  assert.deepEqual(metas.map((m) => m.offset), metas.map((_, i) => BigInt(i)));
  await assert.rejects(p.send({ topic, value: "late" }), ProducerClosedError);
  assert.equal((await readTopic(topic)).length, 10);
});

test(
  "close with a timeout rejects what could not be sent",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("never-created");
    const p = producer({ maxBlockMs: 30_000 });
    const pending = p.send({ topic, value: "waits for metadata forever" });
    await p.close({ timeoutMs: 200 });
    await assert.rejects(pending, ProducerClosedError);
  },
);

test("a topic created after the producer started is found by waiting for metadata", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("late-topic");
  const p = producer({ maxBlockMs: 20_000 });
  try {
    const sending = p.send({ topic, value: "early" });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await createTopic(topic, 2);
    const meta = await sending;
    assert.equal(meta.topic, topic);
    assert.equal((await p.partitionsFor(topic)).length, 2);
  } finally {
    await p.close();
  }
});

test("an unknown topic rejects after maxBlockMs with a TimeoutError", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const p = producer({ maxBlockMs: 800 });
  try {
    const started = Date.now();
    await assert.rejects(p.send({ topic: uniqueTopic("missing"), value: "v" }), TimeoutError);
    const waited = Date.now() - started;
    assert.ok(waited >= 700 && waited < 10_000, `rejected after ${waited} ms`);
  } finally {
    await p.close();
  }
});

test("bad records reject with typed errors and do not disturb the others", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("bad-input");
  await createTopic(topic, 2);
  const p = producer({ maxRequestSize: 10_000 });
  try {
    const good = p.send({ topic, value: "fine" });
    await assert.rejects(p.send({ topic: "bad topic!", value: "v" }), InvalidRecordError);
    await assert.rejects(p.send({ topic, value: "v", partition: 2 }), InvalidRecordError);
    await assert.rejects(p.send({ topic, value: "x".repeat(20_000) }), RecordTooLargeError);
    await assert.rejects(
      p.send({ topic, value: 42 as unknown as string }),
      InvalidRecordError,
    );
    assert.equal((await good).topic, topic);
  } finally {
    await p.close();
  }
});

test("serializers turn keys and values into bytes; one that throws fails only its record", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("serializers");
  await createTopic(topic, 1);
  const p = new KafkaProducer<number, { n: number }>({
    bootstrapServers: bootstrapServers(),
    keySerializer: (key) => `key-${key}`,
    valueSerializer: (value, t) => {
      if (value.n === 13) throw new RangeError("unlucky");
      return JSON.stringify({ ...value, t });
    },
  });
  try {
    const sends = [1, 13, 2].map((n) => p.send({ topic, key: n, value: { n } }));
    const tombstone = p.send({ topic, key: 3, value: null }); // null skips the serializer
    const [first, unlucky, second] = await Promise.allSettled(sends);
    assert.equal(first.status, "fulfilled");
    assert.equal(second.status, "fulfilled");
    assert.equal(unlucky.status, "rejected");
    const error = (unlucky as PromiseRejectedResult).reason;
    assert.ok(error instanceof SerializationError, String(error));
    assert.match(error.message, /valueSerializer.*unlucky/);
    assert.ok(error.cause instanceof RangeError);
    await tombstone;
  } finally {
    await p.close();
  }
  const read = await readTopic(topic);
  assert.deepEqual(read.map((r) => [r.key, r.value]), [
    ["key-1", JSON.stringify({ n: 1, t: topic })],
    ["key-2", JSON.stringify({ n: 2, t: topic })],
    ["key-3", null],
  ]);
});

test(
  "partitionsFor lists partitions with their leaders",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("partitions-for");
    await createTopic(topic, 4);
    const p = producer();
    try {
      const partitions = await p.partitionsFor(topic);
      assert.deepEqual(partitions.map((x) => x.partition), [0, 1, 2, 3]);
      const admin = await KafkaAdmin.connect({ bootstrapServers: bootstrapServers() });
      const metadata = await admin.metadata([topic]);
      admin.close();
      for (const partition of metadata.topics[0].partitions) {
        assert.equal(partitions[partition.partitionIndex].leader, partition.leaderId);
      }
    } finally {
      await p.close();
    }
  },
);

test("a broker's fatal error rejects at once with the Kafka code and name", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("too-large");
  await createTopic(topic, 1, { "max.message.bytes": "2000" });
  const p = producer();
  try {
    // Both records share a batch: the broker refuses it whole, the producer splits it and
    // only the oversized record fails.
    const ok = p.send({ topic, value: "small" });
    const error = await p.send({ topic, value: "x".repeat(5000) }).then(
      () => assert.fail("a 5 kB record on a 2 kB topic was accepted"),
      (e) => e,
    );
    assert.ok(error instanceof KafkaBrokerError, String(error));
    assert.equal(error.code, 10);
    assert.equal(error.kafkaName, "MESSAGE_TOO_LARGE");
    assert.equal(error.retriable, false);
    assert.equal((await ok).offset, 0n);
  } finally {
    await p.close();
  }
});

test("on a LogAppendTime topic, metadata carries the broker's append time", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("log-append-time");
  await createTopic(topic, 1, { "message.timestamp.type": "LogAppendTime" });
  const p = producer();
  try {
    const before = Date.now();
    const metas = await Promise.all(
      [1, 2, 3].map((i) => p.send({ topic, value: `v${i}`, timestamp: 1000 + i })),
    );
    for (const meta of metas) {
      assert.ok(
        meta.timestamp >= BigInt(before - 1000),
        `timestamp ${meta.timestamp} is not the append time`,
      );
    }
    const read = await readTopic(topic);
    assert.deepEqual(read.map((r) => BigInt(r.timestamp)), metas.map((m) => m.timestamp));
  } finally {
    await p.close();
  }
});

test("no broker reachable: a send rejects after maxBlockMs, and close does not hang", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve)); // nothing listens there now
  const p = new KafkaProducer({ bootstrapServers: [`127.0.0.1:${port}`], maxBlockMs: 700 });
  const started = Date.now();
  await assert.rejects(p.send({ topic: "anything", value: "v" }), TimeoutError);
  const waited = Date.now() - started;
  assert.ok(waited >= 600 && waited < 10_000, `rejected after ${waited} ms`);
  await p.close();
});
