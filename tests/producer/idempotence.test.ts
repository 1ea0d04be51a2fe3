/**
 * The idempotent producer (on by default): a retry of a batch the broker already appended is
 * not written twice, and per-partition order holds with 5 requests in flight. Faults come from
 * a relay that throws responses away and cuts connections after the broker appended; kcat then
 * must see every record exactly once, in send order. The same faults without idempotence are
 * the control: they must produce duplicates, or the faults did not bite.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { type CompressionType, KafkaProducer, type RecordMetadata } from "../../mod.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { throughRelays } from "../_lib/relay.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const ROUNDS = 5;
const PER_ROUND = 400;
const START_MS = Date.now();

/** Sends rounds of records; during each, responses are dropped for a while, then connections cut. */
async function sendThroughLostResponses(
  topic: string,
  enableIdempotence: boolean,
  compressionType: CompressionType = "none",
) {
  const relayed = throughRelays(detectTransport());
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    transport: relayed,
    enableIdempotence,
    compressionType,
    acks: "all",
    lingerMs: 5,
    batchSize: 4096,
    retryBackoffMs: 20,
  });
  const sends: Promise<RecordMetadata>[] = [];
  try {
    await producer.send({ topic, key: "k0", value: "warm-up" });
    for (let round = 0; round < ROUNDS; round++) {
      for (const relay of relayed.relays()) relay.dropResponses(true);
      for (let i = 0; i < PER_ROUND; i++) {
        // Distinct timestamps per record, so a reported timestamp can only match its own.
        const timestamp = START_MS + round * PER_ROUND + i;
        sends.push(producer.send({ topic, key: `k${i % 4}`, value: `${round}-${i}`, timestamp }));
      }
      await new Promise((resolve) => setTimeout(resolve, 150)); // appended, answers thrown away
      for (const relay of relayed.relays()) {
        relay.dropResponses(false);
        relay.cutAll();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const metas = await Promise.all(sends);
    const dropped = relayed.relays().reduce((n, r) => n + r.stats.dropped, 0);
    return { metas, dropped };
  } finally {
    await producer.close();
    await relayed.close();
  }
}

// Compressed retries too: a batch closed again (same or bumped epoch) keeps its compressed records.
for (const compressionType of ["none", "lz4"] as const) {
  const name = compressionType === "none" ? "idempotent" : `idempotent with ${compressionType}`;
  test(`${name}: responses lost after the broker appended; every record once, in order`, {
    timeout: BROKER_TIMEOUT_MS,
  }, async () => {
    const topic = uniqueTopic("idempotent");
    await createTopic(topic, 2);
    const { metas, dropped } = await sendThroughLostResponses(topic, true, compressionType);
    assert.ok(dropped > 0, "no response was dropped: the fault did not happen");
    const read = (await readTopic(topic)).filter((r) => r.value !== "warm-up");
    assert.equal(read.length, ROUNDS * PER_ROUND, "kcat sees every record exactly once");
    assert.equal(new Set(read.map((r) => r.value)).size, read.length, "no duplicates");
    // Per partition, the log holds the records in send order.
    const sendOrder = (value: string) => {
      const [round, i] = value.split("-").map(Number);
      return round * PER_ROUND + i;
    };
    for (const partition of [0, 1]) {
      const order = read.filter((r) => r.partition === partition).map((r) => sendOrder(r.value!));
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `partition ${partition} out of order`,
      );
    }
    // Every promise's offset is where kcat found its record, and its timestamp the one written
    // (a retry answered as a duplicate carries the batch's max timestamp: see ProducerBatch).
    const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
    metas.forEach((m, n) => {
      const expected = `${Math.floor(n / PER_ROUND)}-${n % PER_ROUND}`;
      const found = byPosition.get(`${m.partition}/${m.offset}`);
      assert.equal(found?.value, expected);
      assert.equal(BigInt(found!.timestamp), m.timestamp, `timestamp of ${expected}`);
      assert.equal(m.timestamp, BigInt(START_MS + n));
    });
  });
}

test("control: the same faults without idempotence write duplicates", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("not-idempotent");
  await createTopic(topic, 2);
  await sendThroughLostResponses(topic, false);
  const values = (await readTopic(topic)).map((r) => r.value).filter((v) => v !== "warm-up");
  assert.ok(values.length > ROUNDS * PER_ROUND, `no duplicates among ${values.length} records`);
  assert.equal(new Set(values).size, ROUNDS * PER_ROUND, "nothing lost either");
});
