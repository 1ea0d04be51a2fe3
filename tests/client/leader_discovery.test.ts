/**
 * Leader discovery from Produce responses (KIP-951, issue 15 item 2), through the fault proxy in
 * front of the real broker. The proxy poses a second node: node 2 is a second proxy listener in
 * front of the same broker, named in every Metadata response as the leader of partition 1. Then
 * a Produce to partition 0 (node 1) is answered NOT_LEADER_OR_FOLLOWER naming node 2, with a
 * newer leader epoch and node 2's address in NodeEndpoints, as a broker whose partition moved
 * does (the broker never sees that attempt). The retry must go straight to node 2, with no
 * Metadata request between the answer and the retry; kcat then reads every record once.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer } from "../../mod.ts";
import { bootstrapServers, uniqueTopic } from "../_lib/kafka.ts";
import { startKafkaProxy } from "../_lib/kafka_proxy.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";
import type { Struct } from "../_lib/wire_codec.ts";
import { assertDelivered, assertExactlyOnce, FAST, sendTo } from "../errors/harness.ts";

const NOT_LEADER_OR_FOLLOWER = 6;

test(
  "NOT_LEADER_OR_FOLLOWER naming the new leader: the retry goes straight to it, before any Metadata request",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("leader-discovery");
    await createTopic(topic, 2);
    const proxy = await startKafkaProxy(bootstrapServers()[0]);
    const node2 = await proxy.extraListener();
    const [host, port] = [node2.split(":")[0], Number(node2.split(":")[1])];
    proxy.addRule({
      api: "Metadata",
      times: Infinity,
      action: {
        rewrite(body) {
          (body.brokers as Struct[]).push({ nodeId: 2, host, port, rack: null });
          for (const t of body.topics as Struct[]) {
            if (t.name !== topic) continue;
            for (const p of t.partitions as Struct[]) if (p.partitionIndex === 1) p.leaderId = 2;
          }
        },
      },
    });
    // Retries of a partition without a leader hint wait several seconds: long enough to see.
    const producer = new KafkaProducer({
      ...FAST,
      bootstrapServers: [proxy.bootstrap],
      retryBackoffMs: 3_000,
      retryBackoffMaxMs: 3_000,
    });
    try {
      assertDelivered([
        await sendTo(producer, topic, 0, "p0 first"),
        await sendTo(producer, topic, 1, "p1 first"),
      ]);
      const produces = proxy.requests("Produce");
      const toNode2 = produces.find((r) => r.partitions.some((p) => p.partition === 1))!;
      proxy.addRule({
        api: "Produce",
        action: { respond: { code: NOT_LEADER_OR_FOLLOWER, partition: { topic, partition: 0 } } },
      });
      proxy.addRule({
        api: "Produce",
        action: {
          rewrite(body) {
            for (const t of body.responses as Struct[]) {
              for (const p of t.partitionResponses as Struct[]) {
                if (p.index === 0) p.currentLeader = { leaderId: 2, leaderEpoch: 1_000 };
              }
            }
            body.nodeEndpoints = [{ nodeId: 2, host, port, rack: null }];
          },
        },
      });
      const started = Date.now();
      assertDelivered([await sendTo(producer, topic, 0, "p0 moved")]);
      const elapsedMs = Date.now() - started;

      const log = proxy.log;
      const refused = log.findIndex((r) => r.api === "Produce" && r.actions.length > 0);
      const retry = log.findIndex((r, i) => i > refused && r.api === "Produce");
      assert.ok(refused >= 0 && retry > refused, "no retry");
      assert.equal(log[retry].connection, toNode2.connection, "the retry did not go to node 2");
      const between = log.slice(refused + 1, retry).map((r) => r.api);
      assert.ok(!between.includes("Metadata"), `requests before the retry: ${between.join()}`);
      console.log(`leader discovery: delivered on the named leader ${elapsedMs} ms after the send`);
    } finally {
      await producer.close({ timeoutMs: 5_000 });
      await proxy.close();
    }
    await assertExactlyOnce(topic, ["p0 first", "p1 first", "p0 moved"]);
  },
);
