/**
 * Rebootstrap (KIP-899, issue 15 item 5): the cluster's brokers come back on new addresses
 * behind the same bootstrap address. The bootstrap address is a relay; behind it, a fault proxy
 * in front of the real broker advertises the broker at the proxy's own address. Midway the relay
 * is pointed at a new proxy (new addresses) and the old one closed, so every broker the producer
 * knows is gone. With metadataRecoveryStrategy "rebootstrap" the producer asks the bootstrap
 * address again and every record, sent before and after, is delivered once (kcat judges); with
 * "none" it keeps asking the dead addresses and the later records fail at deliveryTimeoutMs.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer, TimeoutError } from "../../mod.ts";
import { parseEndpoint } from "../../src/client/bootstrap.ts";
import { bootstrapServers, uniqueTopic } from "../_lib/kafka.ts";
import { startKafkaProxy } from "../_lib/kafka_proxy.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { startRelay } from "../_lib/relay.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";
import { assertDelivered, assertExactlyOnce, FAST, type Settled } from "../errors/harness.ts";

const send = (producer: KafkaProducer, topic: string, values: string[]): Promise<Settled[]> =>
  Promise.all(values.map((value) =>
    producer.send({ topic, partition: 0, value }).then(
      (meta) => ({ value, meta }),
      (error: Error) => ({ value, error }),
    )
  ));

for (const strategy of ["rebootstrap", "none"] as const) {
  test(
    `brokers back on new addresses behind the same bootstrap address, metadataRecoveryStrategy ${strategy}`,
    { timeout: BROKER_TIMEOUT_MS },
    async () => {
      const topic = uniqueTopic(`rebootstrap-${strategy}`);
      await createTopic(topic, 1);
      const broker = bootstrapServers()[0];
      const before = await startKafkaProxy(broker);
      const relay = await startRelay(parseEndpoint(before.bootstrap));
      let after: Awaited<ReturnType<typeof startKafkaProxy>> | undefined;
      const producer = new KafkaProducer({
        ...FAST,
        bootstrapServers: [`127.0.0.1:${relay.port}`],
        metadataRecoveryStrategy: strategy,
        deliveryTimeoutMs: 5_000,
      });
      const first = ["before 1", "before 2"];
      const second = ["after 1", "after 2"];
      try {
        assertDelivered(await send(producer, topic, first));
        after = await startKafkaProxy(broker);
        relay.retarget(parseEndpoint(after.bootstrap));
        await before.close(); // every address the producer knows is dead now
        const settled = await send(producer, topic, second);
        if (strategy === "rebootstrap") {
          assertDelivered(settled);
          assert.ok(after.requests("Metadata").length > 0, "the new addresses were never asked");
        } else {
          for (const s of settled) {
            assert.ok("error" in s && s.error instanceof TimeoutError, `${s.value} was delivered`);
          }
          assert.equal(after.requests("Metadata").length, 0, "the bootstrap address was asked");
        }
      } finally {
        await producer.close({ timeoutMs: 5_000 });
        await relay.close();
        await before.close();
        await after?.close();
      }
      await assertExactlyOnce(topic, strategy === "rebootstrap" ? [...first, ...second] : first);
    },
  );
}
