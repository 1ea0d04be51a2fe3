/**
 * A record that runs out of deliveryTimeoutMs while waiting to be retried fails with a
 * TimeoutError whose cause is why its last attempt failed (here NOT_ENOUGH_REPLICAS, answered by
 * the fault proxy in front of the real broker, which never sees the batch), and whose message
 * says it; kcat finds nothing written.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaBrokerError, TimeoutError } from "../../mod.ts";
import { readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";
import { errorOf, proxied, sendTo } from "../errors/harness.ts";

const NOT_ENOUGH_REPLICAS = 19;

test("a batch expiring between retries: TimeoutError caused by the last attempt's error", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("expiry-cause");
  await createTopic(topic, 1);
  // The retry backoff outlasts the delivery timeout: the batch expires while it waits.
  const { proxy, producer, close } = await proxied({
    deliveryTimeoutMs: 3_000,
    retryBackoffMs: 10_000,
    retryBackoffMaxMs: 10_000,
  });
  try {
    proxy.addRule({ api: "Produce", times: Infinity, action: { respond: NOT_ENOUGH_REPLICAS } });
    const error = errorOf(await sendTo(producer, topic, 0, "v"));
    assert.ok(error instanceof TimeoutError, `${error}`);
    assert.ok(
      error.cause instanceof KafkaBrokerError && error.cause.code === NOT_ENOUGH_REPLICAS,
      `cause: ${error.cause}`,
    );
    assert.match(error.message, /expired.*last error: .*NOT_ENOUGH_REPLICAS/);
  } finally {
    await close();
  }
  assert.deepEqual(await readTopic(topic), []);
});
