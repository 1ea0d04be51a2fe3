/**
 * A topic deleted and created again under the same name while records flow to it (KIP-516). The
 * producer sends by topic id (Produce v13) where the broker speaks it; batches in flight or sent
 * with the old id are answered UNKNOWN_TOPIC_ID, and are retried once metadata has the new id, as
 * the Java producer does. The new topic has fewer partitions: batches for a partition it lacks
 * wait for a leader until `deliveryTimeoutMs`, then fail with a TimeoutError that says why.
 *
 * Which topic took a record is told by its offset: the old topic was filled first, so its offsets
 * start above any the new one can reach in this test. kcat then reads the new topic: every record
 * reported delivered there is at exactly its reported partition and offset, once; none reported
 * failed is there; a keyed record is in the partition its key hashes to under the old or the new
 * partition count. Then the topic is re-created once more while the producer is idle: its next
 * request carries the stale id, is answered UNKNOWN_TOPIC_ID, and is retried with the new one.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaBrokerError, KafkaProducer, type RecordMetadata, TimeoutError } from "../../mod.ts";
import { partitionForKey } from "../../src/producer/partitioner.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic, deleteTopic, openConnection, topicIdOf } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const OLD_PARTITIONS = 3;
const NEW_PARTITIONS = 2;
const RECORDS = 4000;
/** Records the old topic gets per partition before the test: its offsets start here. */
const PREFILL = RECORDS;
const UNKNOWN_TOPIC_ID = 100;

test(
  "a topic deleted and created again while records flow: each record delivered where reported, or failed clearly",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("recreated");
    await createTopic(topic, OLD_PARTITIONS);
    const filler = new KafkaProducer({ bootstrapServers: bootstrapServers(), lingerMs: 20 });
    await filler.sendBatch(
      Array.from({ length: PREFILL * OLD_PARTITIONS }, (_, i) => ({
        topic,
        partition: i % OLD_PARTITIONS,
        value: "prefill",
      })),
    );
    await filler.close();

    const connection = await openConnection();
    const producer = new KafkaProducer({
      bootstrapServers: bootstrapServers(),
      allowAutoCreateTopics: false,
      requestTimeoutMs: 5_000,
      deliveryTimeoutMs: 10_000,
    });
    try {
      const oldId = await topicIdOf(connection, topic);
      const produceVersions = new Set<number>();
      producer.on("request", (event) => {
        if (event.api === "Produce") produceVersions.add(event.apiVersion);
      });
      let unknownTopicIdRetries = 0;
      producer.on("retry", ({ error }) => {
        if (error instanceof KafkaBrokerError && error.code === UNKNOWN_TOPIC_ID) {
          unknownTopicIdRetries++;
        }
      });

      // Sent at a steady pace; a third of the way in, the topic is deleted and created again.
      const keyOf = (i: number) => (i % 2 === 0 ? `key-${i % 97}` : null);
      const sends: Promise<RecordMetadata>[] = [];
      let recreated: Promise<Uint8Array> | undefined;
      for (let i = 0; i < RECORDS; i++) {
        sends.push(producer.send({ topic, key: keyOf(i), value: `record-${i}` }));
        if (i === RECORDS / 4) {
          recreated = (async () => {
            await deleteTopic(connection, topic);
            await createTopic(topic, NEW_PARTITIONS);
            return topicIdOf(connection, topic);
          })();
        }
        if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const newId = await recreated!;
      assert.notDeepEqual(newId, oldId, "the new topic has a new id");
      const results = await Promise.allSettled(sends);

      assert.ok(produceVersions.has(13), `Produce by topic id: versions ${[...produceVersions]}`);
      // Whether the first answer after the deletion is UNKNOWN_TOPIC_ID or another retriable
      // error (and the refreshed metadata then knows the new topic) depends on timing.
      const retriesWhileFlowing = unknownTopicIdRetries;

      const consumed = await readTopic(topic);
      const where = new Map(consumed.map((r) => [r.value, r]));
      assert.equal(where.size, consumed.length, "no record twice in the new topic");
      let toOld = 0;
      let toNew = 0;
      let failed = 0;
      results.forEach((result, i) => {
        const value = `record-${i}`;
        const found = where.get(value);
        if (result.status === "rejected") {
          failed++;
          const error = result.reason;
          assert.ok(error instanceof TimeoutError, `${value}: ${error}`);
          assert.match(error.message, new RegExp(`-${NEW_PARTITIONS} expired: .*re-created`));
          assert.equal(found, undefined, `${value} failed but is in the new topic`);
          return;
        }
        const { partition, offset } = result.value;
        if (offset >= BigInt(PREFILL)) {
          toOld++; // acknowledged by the old topic, deleted since
          return;
        }
        toNew++;
        assert.ok(found, `${value} reported at ${partition}/${offset}, not in the new topic`);
        assert.deepEqual([found.partition, found.offset], [partition, offset], value);
        const key = keyOf(i);
        if (key !== null) {
          const hashed = [OLD_PARTITIONS, NEW_PARTITIONS].map((n) => partitionForKey(key, n));
          assert.ok(hashed.includes(partition), `${value} (key ${key}) in partition ${partition}`);
        }
      });
      assert.equal(toNew, consumed.length, "every record in the new topic was reported there");
      console.log(
        `topic re-created: ${toOld} records acknowledged by the old topic, ${toNew} by the ` +
          `new one, ${failed} failed (partition ${NEW_PARTITIONS} is gone); ` +
          `${retriesWhileFlowing} batch retries after UNKNOWN_TOPIC_ID`,
      );
      assert.ok(toOld > 0 && toNew > 0, "records went to both topics");

      // Once more while the producer is idle: nothing tells it, so its first request has the
      // stale id, is answered UNKNOWN_TOPIC_ID, and is retried with the third topic's id.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await deleteTopic(connection, topic);
      await createTopic(topic, NEW_PARTITIONS);
      assert.notDeepEqual(await topicIdOf(connection, topic), newId);
      unknownTopicIdRetries = 0;
      const late = await Promise.all(
        [0, 1, 0, 1].map((partition, i) => producer.send({ topic, partition, value: `late-${i}` })),
      );
      assert.ok(unknownTopicIdRetries > 0, "the stale id was answered UNKNOWN_TOPIC_ID");
      const third = await readTopic(topic);
      assert.deepEqual(
        third.map((r) => [r.value, r.partition, r.offset]).sort(),
        late.map((m, i) => [`late-${i}`, m.partition, m.offset]).sort(),
      );
    } finally {
      await producer.close();
      connection.close();
    }
  },
);
