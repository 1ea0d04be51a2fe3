/** Configuration: defaults, and a typed error naming the field for every kind of bad value. */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../mod.ts";
import { resolveProducerConfig } from "../../src/config.ts";

const base = { bootstrapServers: ["127.0.0.1:9092"] };

test("defaults are the Java client's", () => {
  const config = resolveProducerConfig(base);
  assert.equal(config.acks, -1);
  assert.equal(config.batchSize, 16384);
  assert.equal(config.lingerMs, 5);
  assert.equal(config.bufferMemory, 32 * 1024 * 1024);
  assert.equal(config.maxBlockMs, 60_000);
  assert.equal(config.maxRequestSize, 1024 * 1024);
  assert.equal(config.requestTimeoutMs, 30_000);
  assert.equal(config.deliveryTimeoutMs, 120_000);
  assert.equal(config.retries, 2147483647);
  assert.equal(config.retryBackoffMs, 100);
  assert.equal(config.retryBackoffMaxMs, 1000);
  assert.equal(config.maxInFlightRequestsPerConnection, 5);
  assert.equal(config.metadataMaxAgeMs, 300_000);
  assert.equal(resolveProducerConfig({ ...base, acks: "all" }).acks, -1);
  assert.equal(resolveProducerConfig({ ...base, acks: 0 }).acks, 0);
});

test("every kind of bad value fails with the field named", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ bootstrapServers: [] }, "bootstrapServers"],
    [{ bootstrapServers: ["no-port"] }, "bootstrapServers.0"],
    [{ bootstrapServers: "127.0.0.1:9092" }, "bootstrapServers"],
    [{ ...base, acks: 2 }, "acks"],
    [{ ...base, batchSize: -1 }, "batchSize"],
    [{ ...base, lingerMs: 1.5 }, "lingerMs"],
    [{ ...base, lingerMs: "5" }, "lingerMs"],
    [{ ...base, bufferMemory: 0 }, "bufferMemory"],
    [{ ...base, maxInFlightRequestsPerConnection: 0 }, "maxInFlightRequestsPerConnection"],
    [{ ...base, retries: -1 }, "retries"],
    [{ ...base, partitioner: "murmur2" }, "partitioner"],
    [{ ...base, transport: "browser" }, "transport"],
    [{ ...base, lingerMs: 5, requestTimeoutMs: 1000, deliveryTimeoutMs: 500 }, "deliveryTimeoutMs"],
    [{ ...base, bogus: 1 }, "bogus"],
  ];
  for (const [input, field] of cases) {
    assert.throws(() => resolveProducerConfig(input), (error: unknown) => {
      assert.ok(error instanceof ConfigError, `${field}: ${error}`);
      assert.equal(error.field, field);
      assert.match(error.message, new RegExp(field.replace(".", "\\.")));
      return true;
    });
  }
  assert.throws(() => resolveProducerConfig(undefined), ConfigError);
});

test("the default delivery timeout grows to fit lingerMs + requestTimeoutMs", () => {
  const config = resolveProducerConfig({ ...base, lingerMs: 1000, requestTimeoutMs: 200_000 });
  assert.equal(config.deliveryTimeoutMs, 201_000);
});
