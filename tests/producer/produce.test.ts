/**
 * The producer against the real broker, checked by kcat: content, partitioning, order and
 * offsets with several producers at once, and each acks setting. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer, type RecordMetadata } from "../../mod.ts";
import { keyedPartition } from "../../src/producer/partitioner.ts";
import { bootstrapServers, kcat, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const encoder = new TextEncoder();

interface Sent {
  producer: number;
  seq: number;
  key: string | null;
  value: string;
  headers: [string, string][];
  meta: RecordMetadata;
}

test("several producers: content, murmur2 partitions, per-partition order and offsets match kcat", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("produce-many");
  await createTopic(topic, 6);
  const producers = [0, 1, 2].map(() =>
    new KafkaProducer({ bootstrapServers: bootstrapServers(), lingerMs: 5, batchSize: 1024 })
  );
  const perProducer = 700;
  const sends = producers.flatMap((producer, p) =>
    Array.from({ length: perProducer }, (_, seq) => {
      const key = seq % 5 === 0 ? null : `user-${(seq * 7 + p) % 40}`;
      const value = `p${p} #${seq} ${"ü".repeat(seq % 13)}`;
      const headers: [string, string][] = seq % 3 === 0
        ? [["seq", String(seq)], ["from", `p${p}`]]
        : [];
      return producer.send({ topic, key, value, headers }).then((meta): Sent => ({
        producer: p,
        seq,
        key,
        value,
        headers,
        meta,
      }));
    })
  );
  const sent = await Promise.all(sends);
  await Promise.all(producers.map((p) => p.close()));

  const read = await readTopic(topic);
  assert.equal(read.length, sent.length, "kcat sees every record once");
  const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
  for (const s of sent) {
    assert.equal(s.meta.topic, topic);
    const r = byPosition.get(`${s.meta.partition}/${s.meta.offset}`);
    assert.ok(r, `record ${s.producer}#${s.seq} at ${s.meta.partition}/${s.meta.offset} not found`);
    assert.equal(r.key, s.key);
    assert.equal(r.value, s.value);
    assert.equal(r.headers, s.headers.map(([n, v]) => `${n}=${v}`).join(","));
    assert.equal(BigInt(r.timestamp), s.meta.timestamp);
    if (s.key !== null) assert.equal(s.meta.partition, keyedPartition(encoder.encode(s.key), 6));
  }
  // Per producer and partition, offsets grow in send order.
  for (let p = 0; p < producers.length; p++) {
    const last = new Map<number, bigint>();
    for (const s of sent.filter((s) => s.producer === p)) {
      const previous = last.get(s.meta.partition) ?? -1n;
      assert.ok(s.meta.offset > previous, `producer ${p} seq ${s.seq} out of order`);
      last.set(s.meta.partition, s.meta.offset);
    }
  }
  // Records without a key spread over more than one partition: each producer's ~3 KiB of them
  // switch the sticky partition after every 1 KiB (all draws alike: about 1 in 10^8).
  const unkeyedPartitions = new Set(
    sent.filter((s) => s.key === null).map((s) => s.meta.partition),
  );
  assert.ok(unkeyedPartitions.size > 1, `unkeyed records all went to ${[...unkeyedPartitions]}`);
});

test("keyed partitions agree with librdkafka's Java-compatible murmur2 partitioner", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("murmur2-kcat");
  await createTopic(topic, 6);
  const keys = Array.from({ length: 60 }, (_, i) => `key-${i}-${"x".repeat(i % 7)}`);
  // kcat writes the keys with librdkafka's murmur2_random (the Java client's choice for keys).
  await kcat(
    ["-P", "-t", topic, "-K", ":", "-X", "partitioner=murmur2_random"],
    30_000,
    keys.map((k) => `${k}:v`).join("\n") + "\n",
  );
  const theirs = new Map((await readTopic(topic)).map((r) => [r.key, r.partition]));
  assert.equal(theirs.size, keys.length);
  const producer = new KafkaProducer({ bootstrapServers: bootstrapServers() });
  try {
    for (const key of keys) {
      const meta = await producer.send({ topic, key, value: "ours" });
      assert.equal(meta.partition, theirs.get(key), `key ${key}`);
    }
  } finally {
    await producer.close();
  }
});

for (const acks of [0, 1, -1, "all"] as const) {
  test(`acks ${acks}: records arrive, offsets reported when acknowledged`, {
    timeout: BROKER_TIMEOUT_MS,
  }, async () => {
    const topic = uniqueTopic(`acks${acks}`);
    await createTopic(topic, 1);
    const producer = new KafkaProducer({ bootstrapServers: bootstrapServers(), acks });
    const metas = await Promise.all(
      Array.from({ length: 50 }, (_, i) => producer.send({ topic, value: `r${i}` })),
    );
    await producer.close();
    if (acks === 0) {
      assert.ok(metas.every((m) => m.offset === -1n), "acks 0 reports offset -1");
    } else {
      assert.deepEqual(metas.map((m) => m.offset), metas.map((_, i) => BigInt(i)));
    }
    const read = await readTopic(topic);
    assert.deepEqual(read.map((r) => r.value), metas.map((_, i) => `r${i}`));
  });
}
