/**
 * The fault proxy (tests/_lib/kafka_proxy.ts) against the real broker: each action does what it
 * says, as a bare client on one connection (wire_client.ts) and kcat see it; clients stay behind
 * it (kafka-edge, and Kafka's own Java producer); capped versions are the versions used.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer } from "../../mod.ts";
import { encodeRecordBatch } from "../../src/protocol/record_batch.ts";
import { bootstrapServers, kafkaTool, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { type KafkaProxy, type ProxyLogEntry, startKafkaProxy } from "../_lib/kafka_proxy.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { connectWire, type WireClient } from "../_lib/wire_client.ts";
import type { Struct } from "../_lib/wire_codec.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const PRODUCE_VERSION = 9;
const NOT_LEADER_OR_FOLLOWER = 6;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const COORDINATOR_NOT_AVAILABLE = 15;

/** A Produce request body with one single-record batch per partition. */
function produceBody(topic: string, partitions: number[], value: string): Struct {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{
      name: topic,
      partitionData: partitions.map((index) => ({
        index,
        records: encodeRecordBatch([{
          timestamp: Date.now(),
          key: null,
          value: `${value}-${index}`,
          headers: [],
        }]),
      })),
    }],
  };
}

function partitionErrors(response: Struct): Map<number, number> {
  const out = new Map<number, number>();
  for (const topic of response.responses as Struct[]) {
    for (const p of topic.partitionResponses as Struct[]) {
      out.set(p.index as number, p.errorCode as number);
    }
  }
  return out;
}

/**
 * A new topic whose partitions all took a write ("warm-N"): a broker names a new partition's
 * leader in Metadata a moment before that leader accepts writes (NOT_LEADER_OR_FOLLOWER).
 */
async function readyTopic(prefix: string, partitions: number): Promise<string> {
  const topic = uniqueTopic(prefix);
  await createTopic(topic, partitions);
  const direct = await connectWire(bootstrapServers()[0]);
  try {
    const all = Array.from({ length: partitions }, (_, i) => i);
    for (let tries = 0;; tries++) {
      const response = await direct.request(
        "Produce",
        PRODUCE_VERSION,
        produceBody(topic, all, "warm"),
      );
      if ([...partitionErrors(response).values()].every((code) => code === 0)) return topic;
      if (tries > 100) throw new Error(`${topic} never took a write`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    direct.close();
  }
}

/** The values kcat reads, without the warm-up writes. */
async function valuesOf(topic: string): Promise<string[]> {
  return (await readTopic(topic)).map((r) => r.value!).filter((v) => !v.startsWith("warm-"));
}

async function withProxy(
  run: (proxy: KafkaProxy, client: WireClient) => Promise<void>,
): Promise<void> {
  const proxy = await startKafkaProxy(bootstrapServers()[0]);
  const client = await connectWire(proxy.bootstrap);
  try {
    await run(proxy, client);
  } finally {
    client.close();
    await proxy.close();
  }
}

const lastOf = (proxy: KafkaProxy, api: ProxyLogEntry["api"]) =>
  proxy.log.filter((e) => e.api === api).at(-1)!;

test("respond: the proxy answers, the broker never sees the request", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = await readyTopic("proxy-respond", 2);
  await withProxy(async (proxy, client) => {
    const whole = proxy.addRule({
      api: "InitProducerId",
      action: { respond: COORDINATOR_NOT_AVAILABLE },
    });
    const init = await client.request("InitProducerId", 4, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
    });
    assert.equal(init.errorCode, COORDINATOR_NOT_AVAILABLE);
    assert.equal(whole.hits, 1);
    assert.equal(lastOf(proxy, "InitProducerId").outcome, "answered by proxy");
    // The rule was used up: the next one reaches the broker.
    let real: Struct;
    do { // a new broker's coordinator may still be loading (COORDINATOR_LOAD_IN_PROGRESS)
      real = await client.request("InitProducerId", 4, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
      });
    } while (real.errorCode === 14);
    assert.equal(real.errorCode, 0);
    assert.ok((real.producerId as bigint) >= 0n);

    // One partition withheld and answered; the other written.
    proxy.addRule({
      api: "Produce",
      action: {
        respond: { code: OUT_OF_ORDER_SEQUENCE_NUMBER, partition: { topic, partition: 1 } },
      },
    });
    const produced = await client.request(
      "Produce",
      PRODUCE_VERSION,
      produceBody(topic, [0, 1], "a"),
    );
    assert.deepEqual(
      partitionErrors(produced),
      new Map([[0, 0], [1, OUT_OF_ORDER_SEQUENCE_NUMBER]]),
    );
    // Every partition withheld: nothing reaches the broker.
    proxy.addRule({
      api: "Produce",
      action: { respond: { code: NOT_LEADER_OR_FOLLOWER, partition: { partition: 0 } } },
    });
    const answered = await client.request("Produce", PRODUCE_VERSION, produceBody(topic, [0], "b"));
    assert.deepEqual(partitionErrors(answered), new Map([[0, NOT_LEADER_OR_FOLLOWER]]));
    assert.equal(lastOf(proxy, "Produce").outcome, "answered by proxy");
  });
  assert.deepEqual(await valuesOf(topic), ["a-0"], "only the forwarded batch was written");
});

test("replaceError: the broker did it, the client is told it did not", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = await readyTopic("proxy-replace", 2);
  await withProxy(async (proxy, client) => {
    proxy.addRule({
      api: "Produce",
      action: { replaceError: { code: NOT_LEADER_OR_FOLLOWER, partition: 1 } },
    });
    const produced = await client.request(
      "Produce",
      PRODUCE_VERSION,
      produceBody(topic, [0, 1], "a"),
    );
    assert.deepEqual(partitionErrors(produced), new Map([[0, 0], [1, NOT_LEADER_OR_FOLLOWER]]));
    const entry = lastOf(proxy, "Produce");
    assert.deepEqual(entry.brokerErrors, [0, 0]);
    // The broker lists partitions in an order of its own.
    assert.deepEqual([...entry.clientErrors].sort(), [0, NOT_LEADER_OR_FOLLOWER]);
    // A top-level error and a topic's error in Metadata.
    proxy.addRule({ api: "Metadata", action: { replaceError: { code: 5, topic } } });
    const metadata = await client.request("Metadata", 12, {
      topics: [{ topicId: new Uint8Array(16), name: topic }],
      allowAutoTopicCreation: false,
    });
    assert.equal((metadata.topics as Struct[])[0].errorCode, 5);
    assert.equal(((metadata.topics as Struct[])[0].partitions as Struct[]).length, 2);
    proxy.addRule({ api: "EndTxn", action: { replaceError: { code: 51 } } });
    const end = await client.request("EndTxn", 4, {
      transactionalId: "none",
      producerId: 1n,
      producerEpoch: 0,
      committed: true,
    });
    assert.equal(end.errorCode, 51);
    assert.notEqual(
      lastOf(proxy, "EndTxn").brokerErrors[0],
      51,
      "the broker's own error was replaced",
    );
  });
  assert.deepEqual((await valuesOf(topic)).sort(), ["a-0", "a-1"], "both batches were written");
});

test(
  "delayMs holds a response, and the ones behind it, in order",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    await withProxy(async (proxy, client) => {
      proxy.addRule({ api: "ApiVersions", action: { delayMs: 700 } });
      const start = Date.now();
      const order: string[] = [];
      const first = client.request("ApiVersions", 3, {
        clientSoftwareName: "t",
        clientSoftwareVersion: "0",
      }).then(() => order.push("ApiVersions"));
      const second = client.request("Metadata", 12, { topics: [], allowAutoTopicCreation: false })
        .then(() => order.push("Metadata"));
      await Promise.all([first, second]);
      assert.ok(Date.now() - start >= 690, `answered after ${Date.now() - start} ms`);
      assert.deepEqual(order, ["ApiVersions", "Metadata"]);
    });
  },
);

test(
  "drop: the broker acts, no response comes, and the connection goes silent",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = await readyTopic("proxy-drop", 1);
    await withProxy(async (proxy, client) => {
      proxy.addRule({ api: "Produce", action: { drop: true } });
      let settled = false;
      const dropped = client.request("Produce", PRODUCE_VERSION, produceBody(topic, [0], "a"))
        .finally(() => settled = true);
      dropped.catch(() => {});
      while (proxy.requests("Produce")[0]?.outcome !== "dropped") {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const later = client.request("Produce", PRODUCE_VERSION, produceBody(topic, [0], "b"));
      later.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(settled, false, "a dropped response reached the client");
      const entries = proxy.requests("Produce");
      assert.deepEqual(entries.map((e) => e.outcome), ["dropped", "swallowed (connection silent)"]);
      client.close();
      await assert.rejects(dropped);
    });
    assert.deepEqual(await valuesOf(topic), ["a-0"], "the broker wrote the dropped one only");
  },
);

test(
  "cutAfter: the connection is cut right after the request or the response",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = await readyTopic("proxy-cut", 1);
    await withProxy(async (proxy, client) => {
      proxy.addRule({ api: "Produce", action: { cutAfter: "response" } });
      const answered = await client.request(
        "Produce",
        PRODUCE_VERSION,
        produceBody(topic, [0], "a"),
      );
      assert.deepEqual(partitionErrors(answered), new Map([[0, 0]]));
      await client.closed;
    });
    await withProxy(async (proxy, client) => {
      proxy.addRule({ api: "Produce", action: { cutAfter: "request" } });
      await assert.rejects(
        client.request("Produce", PRODUCE_VERSION, produceBody(topic, [0], "b")),
        /connection closed/,
      );
      assert.equal(lastOf(proxy, "Produce").outcome, "cut");
    });
    // The broker got the whole request before the cut: it may write it (it does once read).
    assert.ok((await valuesOf(topic)).includes("a-0"));
  },
);

test("kafka-edge stays behind the proxy, at the versions the proxy caps", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("proxy-edge");
  await createTopic(topic, 3);
  for (const maxVersions of [{}, { Produce: 3, Metadata: 4, InitProducerId: 0, ApiVersions: 2 }]) {
    const proxy = await startKafkaProxy(bootstrapServers()[0], { maxVersions });
    const producer = new KafkaProducer({ bootstrapServers: [proxy.bootstrap], lingerMs: 5 });
    try {
      for (let i = 0; i < 30; i++) await producer.send({ topic, key: `k${i}`, value: `v${i}` });
    } finally {
      await producer.close();
      await proxy.close();
    }
    const produce = proxy.requests("Produce");
    assert.ok(produce.length > 0);
    const brokers = new Set(proxy.log.map((e) => e.broker));
    assert.deepEqual([...brokers], [bootstrapServers()[0]], "every request went through the proxy");
    const versions = new Set(produce.map((e) => e.version));
    if ("Produce" in maxVersions) assert.deepEqual([...versions], [3]);
    else assert.ok([...versions].every((v) => v >= 9), `Produce versions ${[...versions]}`);
    assert.ok(proxy.requests("InitProducerId").length > 0, "the producer is idempotent by default");
    // Each batch once: a new partition's first write may be answered NOT_LEADER_OR_FOLLOWER and
    // sent again.
    const batches = new Map(
      produce.flatMap((e) => e.batches).map((
        b,
      ) => [`${b.topic}-${b.partition}-${b.baseSequence}`, b]),
    );
    const records = [...batches.values()].reduce((n, b) => n + b.recordCount, 0);
    assert.equal(records, 30, "every record went through the proxy");
  }
  assert.equal((await readTopic(topic)).length, 60);
});

test(
  "Kafka's Java producer stays behind the proxy too",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("proxy-java");
    await createTopic(topic, 2);
    const proxy = await startKafkaProxy(bootstrapServers()[0]);
    try {
      await kafkaTool("org.apache.kafka.tools.ProducerPerformance", [
        "--topic",
        topic,
        "--num-records",
        "50",
        "--record-size",
        "10",
        "--throughput",
        "-1",
        "--producer-props",
        `bootstrap.servers=${proxy.bootstrap}`,
        "enable.idempotence=true",
        "acks=all",
      ]);
    } finally {
      await proxy.close();
    }
    const produced = proxy.requests("Produce").flatMap((e) => e.batches)
      .reduce((n, b) => n + b.recordCount, 0);
    assert.equal(produced, 50, "every record went through the proxy");
    assert.ok(proxy.requests("InitProducerId").length > 0);
    assert.equal((await readTopic(topic)).length, 50);
  },
);
