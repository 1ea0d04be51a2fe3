/** Configuration: defaults, and a typed error naming the field for every kind of bad value. */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, KafkaProducer, type ProducerConfig } from "../../../mod.ts";
import { resolveProducerConfig } from "../../../src/producer/config.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const base = { bootstrapServers: ["127.0.0.1:9092"] };

test("defaults are the Java client's", { timeout: UNIT_TIMEOUT_MS }, () => {
  const config = resolveProducerConfig(base);
  assert.equal(config.acks, -1);
  assert.equal(config.batchSize, 65536);
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
  assert.equal(config.partitionerAdaptivePartitioningEnable, true);
  assert.equal(config.partitionerAvailabilityTimeoutMs, 0);
  assert.equal(config.metadataRecoveryStrategy, "rebootstrap");
  assert.equal(config.metadataRecoveryRebootstrapTriggerMs, 300_000);
  assert.equal(resolveProducerConfig({ ...base, acks: "all" }).acks, -1);
  assert.equal(resolveProducerConfig({ ...base, acks: 0 }).acks, 0);
});

test("every kind of bad value fails with the field named", { timeout: UNIT_TIMEOUT_MS }, () => {
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

/**
 * For every field, values of the wrong type or out of range. Typed with every key of
 * ProducerConfig, so a new field does not compile here until it has its bad values.
 */
const BAD_VALUES: Record<keyof ProducerConfig, unknown[]> = {
  bootstrapServers: [null, "127.0.0.1:9092", [], [42], ["host-without-port"], ["h:99999"]],
  clientId: [42, null],
  acks: [2, "1", "leader", null],
  batchSize: [-1, 1.5, "16384", 2 ** 31],
  lingerMs: [-1, 0.5, "5", null],
  bufferMemory: [0, 1023, 1.5, "big"],
  maxBlockMs: [-1, 1.5, "60000"],
  maxRequestSize: [0, 127, 1.5, "1m"],
  requestTimeoutMs: [-1, 0.5, true],
  deliveryTimeoutMs: [-1, 1.5, "120000"],
  retries: [-1, 0.5, "3"],
  retryBackoffMs: [-1, 0.5, "100"],
  retryBackoffMaxMs: [-1, 0.5, "1000"],
  maxInFlightRequestsPerConnection: [0, 1.5, "5"],
  enableIdempotence: ["true", 1, null],
  transactionalId: ["", 42, null],
  transactionTimeoutMs: [0, 1.5, "60000"],
  allowAutoCreateTopics: ["false", 0],
  metadataMaxAgeMs: [-1, 0.5, "300000"],
  metadataRecoveryStrategy: ["REBOOTSTRAP", "rebootstrap_now", 1, null],
  metadataRecoveryRebootstrapTriggerMs: [-1, 0.5, "300000", null],
  reconnectBackoffMs: [-1, 0.5, "50"],
  reconnectBackoffMaxMs: [-1, 0.5, "1000"],
  socketConnectionSetupTimeoutMs: [0, 0.5, "10000"],
  partitioner: ["murmur2", 42, {}],
  partitionerIgnoreKeys: ["yes", 1],
  partitionerAdaptivePartitioningEnable: ["true", 0, null],
  partitionerAvailabilityTimeoutMs: [-1, 0.5, "0"],
  compressionType: ["lz5", "LZ4", 1, null],
  compressionLevel: ["9", 1.5, null],
  ssl: ["yes", 1, { ca: 42 }, { rejectUnauthorized: "no" }],
  sasl: ["PLAIN", { mechanism: "MD5", username: "u", password: "p" }, { mechanism: "PLAIN" }],
  logger: ["console", 1, { debug() {} }],
  enableMetricsPush: ["true", 1, null],
  keySerializer: ["json", {}, 1],
  valueSerializer: ["json", {}, 1],
  transport: ["workers!", 42, {}, { connect: "not a function" }],
};

test("every field: a wrong type or range fails at construction with that field named", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  for (const [field, values] of Object.entries(BAD_VALUES)) {
    for (const value of values) {
      const input = { ...base, [field]: value };
      assert.throws(() => new KafkaProducer(input as ProducerConfig), (error: unknown) => {
        const shown = `${field}: ${JSON.stringify(value)}`;
        assert.ok(error instanceof ConfigError, `${shown} gave ${error}`);
        assert.equal(error.field?.split(".")[0], field, `${shown} blamed ${error.field}`);
        assert.match(error.message, new RegExp(`\\b${field}\\b`), shown);
        return true;
      });
    }
  }
});

test("the default delivery timeout grows to fit lingerMs + requestTimeoutMs", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const config = resolveProducerConfig({ ...base, lingerMs: 1000, requestTimeoutMs: 200_000 });
  assert.equal(config.deliveryTimeoutMs, 201_000);
});
