/**
 * The producer reaching the broker through a fault-injecting relay: partial writes with large
 * batches (for the runtime's own adapter and node:net's), buffer memory running out while the
 * broker is unreachable, and connections cut mid-stream. kcat checks what was written.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { BufferExhaustedError, KafkaProducer, type RecordMetadata } from "../../mod.ts";
import { detectTransport, resolveTransport } from "../../src/transport/detect.ts";
import type { Transport } from "../../src/transport/transport.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { throughRelays } from "../_lib/relay.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const transports: Transport[] = [detectTransport()];
if (transports[0].name !== "node") transports.push(resolveTransport("node"));

for (const transport of transports) {
  test(
    `${transport.name} transport: large batches through a stalled relay arrive whole and in order`,
    { timeout: BROKER_TIMEOUT_MS },
    async () => {
      const topic = uniqueTopic(`partial-${transport.name}`);
      await createTopic(topic, 3);
      const relayed = throughRelays(transport, { maxChunk: 16 * 1024 });
      const producer = new KafkaProducer({
        bootstrapServers: bootstrapServers(),
        transport: relayed,
        // 1 MiB batches, 3 MiB requests, 5 in flight: more than a stalled peer's socket takes.
        batchSize: 1024 * 1024,
        maxRequestSize: 4 * 1024 * 1024,
        lingerMs: 20,
      });
      const count = 12_000;
      const value = (i: number) => `${i}:`.padEnd(1000, String.fromCharCode(97 + (i % 26)));
      const send = (i: number) => producer.send({ topic, key: `k${i % 50}`, value: value(i) });
      let metas: RecordMetadata[];
      try {
        const first = await send(0); // connections are up
        // Stall the relay (a loopback socket's buffers grow to tens of MiB while it is read
        // quickly) until the producer's sockets are full and its adapter keeps bytes back.
        for (const relay of relayed.relays()) relay.pause();
        const rest = Array.from({ length: count - 1 }, (_, i) => send(i + 1));
        for (let waited = 0; relayed.retainedWrites === 0 && waited < 5000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        for (const relay of relayed.relays()) relay.resume();
        metas = [first, ...await Promise.all(rest)];
      } finally {
        await producer.close();
        await relayed.close();
      }
      assert.ok(
        relayed.retainedWrites > 0,
        "no write was partial: the retained buffer was not exercised",
      );
      const read = await readTopic(topic);
      assert.equal(read.length, count);
      const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r.value]));
      metas.forEach((m, i) => assert.equal(byPosition.get(`${m.partition}/${m.offset}`), value(i)));
      for (let p = 0; p < 3; p++) {
        const sequence = read.filter((r) => r.partition === p).map((r) =>
          Number(r.value!.split(":")[0])
        );
        assert.deepEqual(
          sequence,
          [...sequence].sort((a, b) => a - b),
          `partition ${p} out of order`,
        );
      }
    },
  );
}

test(
  "bufferMemory full while the broker is unreachable: send blocks, then rejects after maxBlockMs",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("buffer-full");
    await createTopic(topic, 1);
    const relayed = throughRelays(detectTransport());
    const producer = new KafkaProducer({
      bootstrapServers: bootstrapServers(),
      transport: relayed,
      bufferMemory: 64 * 1024,
      batchSize: 16 * 1024,
      lingerMs: 0,
      maxBlockMs: 500,
    });
    try {
      await producer.send({ topic, value: "warm-up" }); // metadata and connections are in place
      for (const relay of relayed.relays()) relay.pause();
      // 64 KiB hold four 16 KiB batches: 60 records of 1 KiB fill them and the rest must wait.
      const accepted = Array.from(
        { length: 60 },
        (_, i) => producer.send({ topic, value: `a${i}`.padEnd(1024) }),
      );
      const started = Date.now();
      const blocked = await Promise.all(
        Array.from(
          { length: 200 },
          (_, i) =>
            producer.send({ topic, value: `b${i}`.padEnd(1024) }).then(
              () => "sent",
              (error) => ({ error, afterMs: Date.now() - started }),
            ),
        ),
      );
      for (const outcome of blocked) {
        assert.notEqual(outcome, "sent", "a record got through while the buffer was full");
        const { error, afterMs } = outcome as { error: unknown; afterMs: number };
        assert.ok(error instanceof BufferExhaustedError, String(error));
        assert.ok(
          afterMs >= 450 && afterMs < 5000,
          `rejected after ${afterMs} ms (maxBlockMs 500)`,
        );
      }
      for (const relay of relayed.relays()) relay.resume();
      const delivered = await Promise.all(accepted);
      assert.deepEqual(delivered.map((m) => m.offset), delivered.map((_, i) => BigInt(i + 1)));
    } finally {
      await producer.close();
      await relayed.close();
    }
  },
);

test("connections cut mid-stream: the producer reconnects and every record is delivered", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("cut");
  await createTopic(topic, 2);
  const relayed = throughRelays(detectTransport());
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    transport: relayed,
    lingerMs: 2,
    retryBackoffMs: 20,
  });
  const sends: Promise<RecordMetadata>[] = [];
  try {
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 400; i++) sends.push(producer.send({ topic, value: `r${round}-${i}` }));
      await new Promise((resolve) => setTimeout(resolve, 30));
      for (const relay of relayed.relays()) relay.cutAll();
    }
    const results = await Promise.allSettled(sends);
    const failures = results.filter((r) => r.status === "rejected");
    assert.equal(failures.length, 0, `failed: ${(failures[0] as PromiseRejectedResult)?.reason}`);
  } finally {
    await producer.close();
    await relayed.close();
  }
  // None is lost (tests/producer/idempotence.test.ts checks that none is written twice either).
  const values = new Set((await readTopic(topic)).map((r) => r.value));
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 400; i++) assert.ok(values.has(`r${round}-${i}`), `r${round}-${i} lost`);
  }
});
