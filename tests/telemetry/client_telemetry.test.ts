/**
 * Client telemetry (KIP-714) against a real Kafka 4.x broker whose metrics plugin is
 * TelemetryReceiver.java: it parses every push with Kafka's own OTLP protobuf classes and writes
 * it to a file, which this test reads. A client-metrics subscription made with Kafka's
 * ConfigCommand selects the producer by client id and two metric name prefixes; the producer must
 * push exactly those metrics, no more often than the subscription's interval, with counts that
 * add up to the records it sent, switch to a changed subscription (the broker answers the next
 * push with UNKNOWN_SUBSCRIPTION_ID), and end with a terminating push on close. A producer with
 * enableMetricsPush false pushes nothing. scripts/test.sh starts the broker
 * (KAFKA_TELEMETRY_BOOTSTRAP) and names the file (KAFKA_TELEMETRY_FILE).
 */

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import { KafkaAdmin } from "../../mod.ts";
import { KafkaProducer } from "../../mod.ts";
import { kafkaTool, uniqueTopic } from "../_lib/kafka.ts";

/** A push as TelemetryReceiver.java wrote it. */
interface Push {
  clientId: string;
  clientInstanceId: string;
  terminating: boolean;
  pushIntervalMs: number;
  resource: Record<string, string>;
  metrics: {
    name: string;
    kind: "gauge" | "sum";
    points: number;
    value: string;
    startTimeUnixNano: string;
    timeUnixNano: string;
    temporality?: string;
    monotonic?: boolean;
  }[];
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the suite with scripts/test.sh, which starts the telemetry broker`,
    );
  }
  return value;
}

/** Every push the receiver wrote so far; an unparsable payload fails the test. */
function pushes(): Push[] {
  const file = env("KAFKA_TELEMETRY_FILE");
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n").filter((line) => line !== "");
  return lines.map((line) => {
    const push = JSON.parse(line);
    assert.equal(push.error, undefined, `the receiver could not parse a push: ${push.error}`);
    return push;
  });
}

/** Creates or changes a client-metrics subscription with Kafka's ConfigCommand. */
async function subscribe(bootstrap: string, name: string, config: string): Promise<void> {
  await kafkaTool("org.apache.kafka.tools.ConfigCommand", [
    "--bootstrap-server",
    bootstrap,
    "--alter",
    "--entity-type",
    "client-metrics",
    "--entity-name",
    name,
    "--add-config",
    config,
  ]);
}

const INTERVAL_MS = 500;
const SEND = "org.apache.kafka.producer.record.send.";
const OUTGOING = "org.apache.kafka.producer.outgoing.byte.";
const REQUEST = "org.apache.kafka.producer.request.total";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(
  "the producer pushes its subscribed metrics, follows a changed subscription, and ends with a terminating push",
  {
    timeout: 120_000,
  },
  async () => {
    const bootstrap = env("KAFKA_TELEMETRY_BOOTSTRAP");
    const clientId = uniqueTopic("telemetry-client");
    const topic = uniqueTopic("telemetry");
    const admin = await KafkaAdmin.connect({ bootstrapServers: [bootstrap] });
    try {
      await admin.createTopics([{ name: topic, numPartitions: 1 }]);
    } finally {
      admin.close();
    }
    const subscription = uniqueTopic("subscription");
    await subscribe(
      bootstrap,
      subscription,
      `metrics=[${SEND},${OUTGOING}],interval.ms=${INTERVAL_MS},match=[client_id=${clientId}.*]`,
    );
    const producer = new KafkaProducer({
      bootstrapServers: [bootstrap],
      clientId,
      transactionalId: `${clientId}-txn`,
    });
    // Matched by the subscription too, but telemetry is off.
    const silent = new KafkaProducer({
      bootstrapServers: [bootstrap],
      clientId: `${clientId}-silent`,
      enableMetricsPush: false,
    });
    const startedNs = BigInt(Date.now()) * 1_000_000n;
    let sent = 0;
    const ours = () => pushes().filter((p) => p.clientId === clientId);
    try {
      await producer.initTransactions();
      const sendFor = async (untilPushes: (p: Push[]) => boolean) => {
        const deadline = Date.now() + 60_000;
        while (!untilPushes(ours())) {
          assert.ok(Date.now() < deadline, "pushes did not arrive within 60 s");
          producer.beginTransaction();
          await producer.send({ topic, value: `record ${sent}` });
          await producer.commitTransaction();
          await silent.send({ topic, value: "silent" });
          sent++;
          await sleep(100);
        }
      };
      await sendFor((p) => p.length >= 3);
      await subscribe(bootstrap, subscription, `metrics=[${SEND},${OUTGOING},${REQUEST}]`);
      await sendFor((p) => p.some((push) => push.metrics.some((m) => m.name === REQUEST)));
      await sendFor((p) =>
        p.filter((push) => push.metrics.some((m) => m.name === REQUEST)).length >= 2
      );
    } finally {
      await producer.close();
      await silent.close();
    }
    const received = ours();
    assert.deepEqual(pushes().filter((p) => p.clientId === `${clientId}-silent`), []);

    assert.deepEqual(received.map((p) => p.terminating), [
      ...received.slice(1).map(() => false),
      true,
    ], "one terminating push, the last");
    assert.equal(new Set(received.map((p) => p.clientInstanceId)).size, 1, "one client instance");
    for (const push of received) {
      assert.equal(push.pushIntervalMs, INTERVAL_MS);
      assert.deepEqual(push.resource, { transactional_id: `${clientId}-txn` });
    }

    // Exactly the subscribed metrics, before and after the subscription changed.
    const before = [
      `${SEND}rate`,
      `${SEND}total`,
      `${OUTGOING}rate`,
      `${OUTGOING}total`,
    ];
    const names = received.map((p) => p.metrics.map((m) => m.name).sort());
    const changedAt = names.findIndex((n) => n.includes(REQUEST));
    assert.ok(changedAt > 0);
    for (const n of names.slice(0, changedAt)) assert.deepEqual(n, before.sort());
    for (const n of names.slice(changedAt)) assert.deepEqual(n, [...before, REQUEST].sort());

    // Kinds, times, and values: the record counts add up to the records sent.
    const endNs = BigInt(Date.now()) * 1_000_000n;
    let counted = 0;
    for (const push of received) {
      for (const m of push.metrics) {
        assert.equal(m.points, 1);
        const time = BigInt(m.timeUnixNano);
        assert.ok(time >= startedNs && time <= endNs, `${m.name}: time ${time}`);
        if (m.name.endsWith(".total")) {
          assert.equal(m.kind, "sum", m.name);
          assert.equal(m.monotonic, true);
          assert.ok(BigInt(m.startTimeUnixNano) <= time);
          assert.ok(Number(m.value) >= 0, `${m.name} = ${m.value}`);
        } else {
          assert.equal(m.kind, "gauge", m.name);
        }
      }
      const total = push.metrics.find((m) => m.name === `${SEND}total`)!;
      if (total.temporality === "AGGREGATION_TEMPORALITY_DELTA") counted += Number(total.value);
      else {
        assert.equal(total.temporality, "AGGREGATION_TEMPORALITY_CUMULATIVE");
        counted = Number(total.value);
      }
    }
    assert.equal(counted, sent, "record.send.total over the pushes = the records sent");

    // Never more often than the interval: pushes at least INTERVAL_MS apart (the terminating one
    // aside). The push refused after the change is not here; the one after it came later still.
    const times = received.map((p) => Number(BigInt(p.metrics[0].timeUnixNano) / 1_000_000n));
    for (let i = 1; i < received.length - 1; i++) {
      assert.ok(
        times[i] - times[i - 1] >= INTERVAL_MS,
        `push ${i} came ${times[i] - times[i - 1]} ms after the one before`,
      );
    }
  },
);
