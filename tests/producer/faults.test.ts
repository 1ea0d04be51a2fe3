/**
 * Network faults between an idempotent producer and a real broker, injected by the relay in
 * tests/_lib/relay.ts: requests and responses split into tiny pieces, connections cut in the
 * middle of a request and in the middle of a response, and a broker that black-holes everything.
 * For each, kcat must see every record exactly once and in send order per partition, and every
 * promise must settle within `deliveryTimeoutMs`.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  KafkaProducer,
  ProducerClosedError,
  type ProducerConfig,
  type RecordMetadata,
  TimeoutError,
} from "../../mod.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { type RelayedTransport, type RelayOptions, throughRelays } from "../_lib/relay.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const DELIVERY_TIMEOUT_MS = 20_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  value: string;
  settledAfterMs: number;
  meta?: RecordMetadata;
  error?: unknown;
}

/** A producer whose every connection goes through its own relay. */
function relayedProducer(relayOptions: RelayOptions, config: Partial<ProducerConfig> = {}) {
  const relayed = throughRelays(detectTransport(), relayOptions);
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    transport: relayed,
    acks: "all",
    lingerMs: 5,
    batchSize: 2048,
    retryBackoffMs: 20,
    requestTimeoutMs: 3000,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    ...config,
  });
  return { relayed, producer };
}

/** Sends `value` and records when, and how, its promise settled. */
function sendTimed(producer: KafkaProducer, topic: string, key: string, value: string) {
  const start = Date.now();
  return producer.send({ topic, key, value, headers: { n: value } }).then(
    (meta): Outcome => ({ value, settledAfterMs: Date.now() - start, meta }),
    (error): Outcome => ({ value, settledAfterMs: Date.now() - start, error }),
  );
}

/**
 * kcat sees exactly `values`, once each, and per partition in the order they were sent; each
 * delivered promise's metadata (partition, offset, timestamp) is where and how kcat found it.
 */
async function assertExactlyOnceInOrder(topic: string, values: string[], outcomes: Outcome[]) {
  const read = await readTopic(topic);
  const at = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
  for (const { value, meta } of outcomes) {
    const found = at.get(`${meta!.partition}/${meta!.offset}`);
    assert.equal(found?.value, value, `${value}: its metadata points at ${found?.value}`);
    assert.equal(BigInt(found!.timestamp), meta!.timestamp, `${value}: timestamp`);
  }
  const position = new Map(values.map((v, i) => [v, i]));
  assert.equal(read.length, values.length, `kcat read ${read.length} of ${values.length} records`);
  assert.equal(new Set(read.map((r) => r.value)).size, read.length, "a record was written twice");
  for (const record of read) {
    assert.ok(position.has(record.value!), `unexpected record ${record.value}`);
    assert.equal(record.headers, `n=${record.value}`);
  }
  for (const partition of new Set(read.map((r) => r.partition))) {
    const order = read.filter((r) => r.partition === partition).map((r) => position.get(r.value!)!);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `partition ${partition} reordered`);
  }
}

function assertAllDelivered(outcomes: Outcome[]) {
  const failed = outcomes.filter((o) => o.error);
  assert.equal(failed.length, 0, `${failed.length} failed, first: ${failed[0]?.error}`);
  const slowest = Math.max(...outcomes.map((o) => o.settledAfterMs));
  assert.ok(slowest <= DELIVERY_TIMEOUT_MS, `a promise took ${slowest} ms`);
}

async function closeAll(producer: KafkaProducer, relayed: RelayedTransport) {
  await producer.close({ timeoutMs: 10_000 });
  await relayed.close();
}

test("requests forwarded 7 bytes at a time, responses 1 byte at a time: exactly once, in order", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("split");
  await createTopic(topic, 2);
  const { relayed, producer } = relayedProducer({ maxChunk: 7, responseChunk: 1 });
  const sends: Promise<Outcome>[] = [];
  let outcomes: Outcome[] = [];
  try {
    for (let i = 0; i < 300; i++) sends.push(sendTimed(producer, topic, `k${i % 5}`, `v${i}`));
    outcomes = await Promise.all(sends);
    assertAllDelivered(outcomes);
    const stats = relayed.relays().map((r) => r.stats);
    assert.ok(stats.some((s) => s.toClient > 200), "responses did not pass through the relay");
  } finally {
    await closeAll(producer, relayed);
  }
  await assertExactlyOnceInOrder(topic, Array.from({ length: 300 }, (_, i) => `v${i}`), outcomes);
});

test(
  "connections cut in the middle of requests and of responses: reconnects, exactly once, in order",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("cut-mid");
    await createTopic(topic, 2);
    const { relayed, producer } = relayedProducer({});
    const values: string[] = [];
    const sends: Promise<Outcome>[] = [];
    let outcomes: Outcome[] = [];
    const send = (count: number) => {
      for (let i = 0; i < count; i++) {
        const value = `v${values.length}`;
        values.push(value);
        sends.push(sendTimed(producer, topic, `k${values.length % 7}`, value));
      }
    };
    try {
      send(10);
      await Promise.all(sends); // connected, metadata known
      for (let round = 0; round < 6; round++) {
        for (const relay of relayed.relays()) {
          if (round % 2 === 0) relay.cutMidRequest();
          else relay.cutMidResponse();
        }
        send(250);
        await sleep(100);
      }
      outcomes = await Promise.all(sends);
      assertAllDelivered(outcomes);
      const cuts = relayed.relays().map((r) => r.stats);
      assert.ok(cuts.some((s) => s.cutMidRequest > 0), "no request was cut");
      assert.ok(cuts.some((s) => s.cutMidResponse > 0), "no response was cut");
      assert.ok(cuts.some((s) => s.connections > 2), "the producer did not reconnect");
    } finally {
      await closeAll(producer, relayed);
    }
    await assertExactlyOnceInOrder(topic, values, outcomes);
  },
);

test("a broker black-holed for a while (requests time out): nothing lost, nothing twice", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("black-hole-short");
  await createTopic(topic, 2);
  const { relayed, producer } = relayedProducer({}, { requestTimeoutMs: 1000 });
  const values = Array.from({ length: 400 }, (_, i) => `v${i}`);
  const sends: Promise<Outcome>[] = [];
  let outcomes: Outcome[] = [];
  try {
    sends.push(sendTimed(producer, topic, "k0", values[0]));
    await sends[0];
    for (const relay of relayed.relays()) relay.pause();
    for (const value of values.slice(1)) sends.push(sendTimed(producer, topic, value, value));
    await sleep(2500); // more than requestTimeoutMs: requests time out, connections are dropped
    for (const relay of relayed.relays()) relay.resume();
    outcomes = await Promise.all(sends);
    assertAllDelivered(outcomes);
    assert.ok(
      relayed.relays().some((r) => r.stats.connections > 1),
      "no request timed out: the producer kept its first connection",
    );
  } finally {
    await closeAll(producer, relayed);
  }
  await assertExactlyOnceInOrder(topic, values, outcomes);
});

test(
  "a broker black-holed for good: every promise rejects by deliveryTimeoutMs; then it recovers",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("black-hole");
    await createTopic(topic, 2);
    const deliveryTimeoutMs = 3000;
    const { relayed, producer } = relayedProducer({}, {
      requestTimeoutMs: 1000,
      lingerMs: 0,
      deliveryTimeoutMs,
    });
    try {
      await producer.send({ topic, key: "k", value: "before" });
      for (const relay of relayed.relays()) relay.pause();
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => sendTimed(producer, topic, `k${i}`, `lost${i}`)),
      );
      for (const outcome of outcomes) {
        assert.ok(outcome.error instanceof TimeoutError, `${outcome.value}: ${outcome.error}`);
        // Expiry is checked on the sender's clock; allow it a second on a loaded machine.
        assert.ok(
          outcome.settledAfterMs >= deliveryTimeoutMs - 50 &&
            outcome.settledAfterMs <= deliveryTimeoutMs + 1000,
          `${outcome.value} settled after ${outcome.settledAfterMs} ms`,
        );
      }
      for (const relay of relayed.relays()) relay.resume();
      // The same producer goes on: an expired idempotent batch must not wedge its partition.
      const after = await Promise.all(
        Array.from({ length: 50 }, (_, i) => sendTimed(producer, topic, `k${i}`, `after${i}`)),
      );
      assertAllDelivered(after);
    } finally {
      await closeAll(producer, relayed);
    }
    // The expired records may or may not have been appended before the broker went dark (the
    // producer cannot know); what it sends afterwards arrives exactly once, in order.
    const read = (await readTopic(topic)).map((r) => r.value!);
    const afterValues = read.filter((v) => v.startsWith("after"));
    assert.equal(afterValues.length, 50);
    assert.equal(new Set(afterValues).size, 50);
    assert.equal(read.filter((v) => v === "before").length, 1);
  },
);

test(
  "close() with requests in flight to a dark broker: in-flight and buffered records reject, nothing hangs",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("close-in-flight");
    await createTopic(topic, 1);
    const { relayed, producer } = relayedProducer({}, { lingerMs: 0 });
    try {
      await producer.send({ topic, value: "before" });
      for (const relay of relayed.relays()) relay.pause();
      const outcomes = Array.from(
        { length: 300 },
        (_, i) => sendTimed(producer, topic, "k", `v${i}`),
      );
      await sleep(200); // the first batches are in flight, the rest buffered behind them
      const closing = Date.now();
      await producer.close({ timeoutMs: 500 });
      const closedAfter = Date.now() - closing;
      assert.ok(closedAfter >= 450 && closedAfter < 3000, `close took ${closedAfter} ms`);
      for (const outcome of await Promise.all(outcomes)) {
        assert.ok(
          outcome.error instanceof ProducerClosedError,
          `${outcome.value}: ${outcome.error}`,
        );
      }
    } finally {
      await closeAll(producer, relayed);
    }
  },
);
