/**
 * A bootstrap list whose first addresses are dead from the start (issue 14): one refuses
 * connections, one accepts them and never answers (as a host that drops packets, or a hung
 * process, does). The producer must reach the live broker behind them without waiting for the
 * silent attempt to time out, and deliver (kcat judges).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer } from "../../mod.ts";
import { closedPort, silentListener } from "../_lib/dead_addresses.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

test(
  "bootstrap addresses that refuse or never answer, then the broker: delivered within maxBlockMs",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("dead-bootstrap");
    await createTopic(topic, 1);
    const silent = await silentListener();
    const producer = new KafkaProducer({
      bootstrapServers: [silent.address, `127.0.0.1:${await closedPort()}`, ...bootstrapServers()],
      // The silent attempt would end only after this; the records must not wait for it.
      socketConnectionSetupTimeoutMs: 120_000,
      maxBlockMs: 20_000,
    });
    const values = ["a", "b", "c"];
    try {
      const metas = await Promise.all(values.map((value) => producer.send({ topic, value })));
      assert.deepEqual(metas.map((m) => m.offset), [0n, 1n, 2n]);
    } finally {
      await producer.close();
      await silent.close();
    }
    assert.deepEqual((await readTopic(topic)).map((r) => r.value), values);
  },
);
