/**
 * zstd needs Produce v7 (Kafka 2.1+). To a broker whose Produce stops below (Kafka 2.0 speaks up to
 * v6 and fails such a batch with UNKNOWN_SERVER_ERROR), the producer must not send zstd batches:
 * the send rejects with UnsupportedVersionError naming zstd and nothing is written. The broker
 * here is the test broker made to look older (its ApiVersions answer capped at Produce v6); a
 * gzip producer over the same transport shows that v6 itself works.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer, UnsupportedVersionError } from "../../mod.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { versionCapTransport } from "../_lib/version_cap_transport.ts";

const PRODUCE = 0;

function cappedProducer(compressionType: "gzip" | "zstd") {
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    compressionType,
    transport: versionCapTransport(PRODUCE, 6),
    deliveryTimeoutMs: 20_000,
    requestTimeoutMs: 10_000,
  });
  const versions = new Set<number>();
  producer.on("request", (event) => {
    if (event.apiKey === PRODUCE) versions.add(event.apiVersion);
  });
  return { producer, versions };
}

test(
  "gzip through Produce v6 works (the cap is what the producer sees)",
  { timeout: 60_000 },
  async () => {
    const topic = uniqueTopic("produce-v6-gzip");
    await createTopic(topic, 1);
    const { producer, versions } = cappedProducer("gzip");
    try {
      await producer.send({ topic, value: "gzip through v6" });
    } finally {
      await producer.close();
    }
    assert.deepEqual([...versions], [6]);
    assert.deepEqual((await readTopic(topic)).map((r) => r.value), ["gzip through v6"]);
  },
);

test("zstd to a broker below Produce v7 rejects with UnsupportedVersionError naming zstd", {
  timeout: 60_000,
}, async () => {
  const topic = uniqueTopic("produce-v6-zstd");
  await createTopic(topic, 1);
  const { producer, versions } = cappedProducer("zstd");
  try {
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, (_, i) => producer.send({ topic, value: `zstd ${i}` })),
    );
    for (const result of results) {
      assert.equal(result.status, "rejected");
      const error = result.reason;
      assert.ok(error instanceof UnsupportedVersionError, `${error}`);
      assert.match(error.message, /zstd/);
      assert.match(error.message, /v7/);
    }
  } finally {
    await producer.close();
  }
  assert.deepEqual([...versions], [], "no zstd batch was sent");
  assert.deepEqual(await readTopic(topic), []);
});
