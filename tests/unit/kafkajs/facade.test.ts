/**
 * The facade without a broker: its partitioners choose what kafkajs 2.2.4's choose (kafkajs's own
 * code is the reference), and what kafkajs has but the facade does not fails with a typed error
 * naming it.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import kafkajs from "kafkajs";
import {
  CompressionCodecs,
  CompressionTypes,
  Kafka,
  KafkaEdgeError,
  KafkaJSError,
  KafkaJSNotImplemented,
  Partitioners,
  type PartitionMetadata,
} from "../../../kafkajs.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const encoder = new TextEncoder();

function metadata(count: number, leaderless: number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    replicas: [0],
    isr: [0],
  }));
}

/** Keys of many lengths and kinds, text and bytes. */
function keys(): (string | Uint8Array)[] {
  const list: (string | Uint8Array)[] = [];
  for (let i = 0; i < 400; i++) {
    const text = `key-${i * 2654435761 % 1000003}-${"x".repeat(i % 13)}${i % 5 === 0 ? "é😀" : ""}`;
    list.push(i % 3 === 0 ? encoder.encode(text) : text.slice(0, i % 37));
  }
  return list;
}

for (const name of ["DefaultPartitioner", "LegacyPartitioner"] as const) {
  test(`${name} puts keys where kafkajs 2.2.4's ${name} does`, { timeout: UNIT_TIMEOUT_MS }, () => {
    const ours = Partitioners[name]();
    const theirs = kafkajs.Partitioners[name]();
    for (const count of [1, 3, 7, 64]) {
      for (const key of keys()) {
        // kafkajs hashes a Buffer's bytes; a plain Uint8Array it would turn into text.
        const theirKey = typeof key === "string" ? key : Buffer.from(key);
        const args = { topic: "t", partitionMetadata: metadata(count) };
        assert.equal(
          ours({ ...args, message: { key, value: null } }),
          theirs({ ...args, message: { key: theirKey, value: null } }),
          `key ${String(key)} over ${count} partitions`,
        );
      }
    }
  });
}

test("the legacy hash differs from Java's murmur2 for most keys (so the test above can tell)", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const def = Partitioners.DefaultPartitioner();
  const legacy = Partitioners.LegacyPartitioner();
  const args = { topic: "t", partitionMetadata: metadata(64) };
  const differing = keys().filter((key) =>
    def({ ...args, message: { key, value: null } }) !==
      legacy({ ...args, message: { key, value: null } })
  );
  assert.ok(differing.length > keys().length / 2, `${differing.length} of ${keys().length}`);
});

test("keyless messages go round robin over the partitions with a leader", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const partition = Partitioners.DefaultPartitioner();
  const partitionMetadata = metadata(5, [2]);
  const chosen = Array.from(
    { length: 8 },
    () => partition({ topic: "t", partitionMetadata, message: { value: "v" } }),
  );
  const available = [0, 1, 3, 4];
  const start = available.indexOf(chosen[0]);
  assert.deepEqual(chosen, chosen.map((_, i) => available[(start + i) % available.length]));
  assert.equal(
    partition({ topic: "t", partitionMetadata, message: { value: "v", partition: 2 } }),
    2,
    "a message's own partition wins",
  );
});

test("what kafkajs has and the facade does not throws KafkaJSNotImplemented naming it", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const brokers = ["127.0.0.1:9"];
  const refused: [string, () => unknown][] = [
    ["consumer", () => new Kafka({ brokers }).consumer({ groupId: "g" })],
    ["admin", () => new Kafka({ brokers }).admin()],
    ["socketFactory", () => new Kafka({ brokers, socketFactory: () => null })],
    ["authenticationTimeout", () => new Kafka({ brokers, authenticationTimeout: 1000 })],
    ["reauthenticationThreshold", () => new Kafka({ brokers, reauthenticationThreshold: 1 })],
    ["enforceRequestTimeout", () => new Kafka({ brokers, enforceRequestTimeout: false })],
    ["ssl.passphrase", () => new Kafka({ brokers, ssl: { passphrase: "x" } })],
    [
      "aws",
      () => new Kafka({ brokers, sasl: { mechanism: "aws", accessKeyId: "a" } }),
    ],
    [
      "authenticationProvider",
      () =>
        new Kafka({ brokers, sasl: { mechanism: "custom", authenticationProvider: () => ({}) } }),
    ],
    ["multiplier", () => new Kafka({ brokers, retry: { multiplier: 3 } })],
    ["factor", () => new Kafka({ brokers }).producer({ retry: { factor: 0.5 } })],
    ["CompressionCodecs", () => {
      CompressionCodecs[CompressionTypes.Snappy] = () => ({});
    }],
  ];
  for (const [name, call] of refused) {
    assert.throws(call, (error: Error) => {
      assert.ok(error instanceof KafkaJSNotImplemented, `${name}: ${error}`);
      assert.ok(error instanceof KafkaJSError && error instanceof KafkaEdgeError);
      assert.equal(error.name, "KafkaJSNotImplemented");
      assert.equal((error as KafkaJSError).retriable, false);
      assert.match(error.message, new RegExp(name));
      return true;
    });
  }
});

test("send before connect rejects as kafkajs does: KafkaJSError, retriable", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const producer = new Kafka({ brokers: ["127.0.0.1:9"] }).producer();
  await assert.rejects(
    producer.send({ topic: "t", messages: [{ value: "v" }] }),
    (error: KafkaJSError) => error.name === "KafkaJSError" && error.retriable,
  );
});
