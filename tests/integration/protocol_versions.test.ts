/**
 * Every version of every message this code speaks, sent to the real broker: requests must be
 * accepted and responses decode to the last byte (decoders fail on leftovers).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Api } from "../../src/protocol/api.ts";
import { ApiVersions } from "../../src/protocol/messages/api_versions.ts";
import { CreateTopics } from "../../src/protocol/messages/create_topics.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { encodeRecordBatch } from "../../src/protocol/record_batch.ts";
import type { Connection } from "../../src/client/connection.ts";
import { uniqueTopic } from "../_lib/kafka.ts";
import { createTopic, openConnection, produceBatch, topicIdOf } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

/** The versions both this code and the broker speak, lowest first. */
function sharedVersions(connection: Connection, api: Api<unknown, unknown>): number[] {
  const newest = connection.versionOf(api);
  const versions = [];
  for (let v = api.minVersion; v <= newest; v++) versions.push(v);
  return versions;
}

test("ApiVersions v0-v4 all list the same API ranges", { timeout: BROKER_TIMEOUT_MS }, async () => {
  const connection = await openConnection();
  try {
    const request = { clientSoftwareName: "kafka-edge-tests", clientSoftwareVersion: "0" };
    const answers = [];
    for (const version of sharedVersions(connection, ApiVersions)) {
      const response = await connection.request(ApiVersions, request, version);
      assert.equal(response.errorCode, 0);
      answers.push(response.apiVersions);
    }
    assert.ok(answers.length >= 4);
    for (const answer of answers) assert.deepEqual(answer, answers[0]);
    assert.ok(answers[0].get(Produce.key)!.maxVersion >= 9, "a Kafka 4 broker speaks Produce v9+");
  } finally {
    connection.close();
  }
});

test(
  "CreateTopics, Metadata and Produce at every shared version",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const connection = await openConnection();
    try {
      const createVersions = sharedVersions(connection, CreateTopics);
      assert.ok(createVersions.includes(7), `CreateTopics versions ${createVersions}`);
      for (const version of createVersions) {
        const name = uniqueTopic(`create-v${version}`);
        const response = await connection.request(CreateTopics, {
          topics: [{
            name,
            numPartitions: 2,
            replicationFactor: 1,
            configs: { "retention.ms": "600000" },
          }],
          timeoutMs: 10_000,
          validateOnly: false,
        }, version);
        assert.equal(response.topics[0].name, name);
        assert.equal(response.topics[0].errorCode, 0, `CreateTopics v${version}`);
        if (version >= 5) assert.equal(response.topics[0].numPartitions, 2);
      }

      const topic = uniqueTopic("versions");
      await createTopic(topic, 2);
      const metadataVersions = sharedVersions(connection, Metadata);
      assert.ok(metadataVersions.includes(12), `Metadata versions ${metadataVersions}`);
      for (const version of metadataVersions) {
        const response = await connection.request(Metadata, {
          topics: [topic],
          allowAutoTopicCreation: false,
        }, version);
        assert.ok(response.brokers.length >= 1, `Metadata v${version} brokers`);
        assert.equal(response.topics[0].name, topic);
        assert.equal(response.topics[0].errorCode, 0);
        assert.deepEqual(response.topics[0].partitions.map((p) => p.partitionIndex).sort(), [0, 1]);
        if (version >= 10) assert.ok(response.topics[0].topicId.some((b) => b !== 0), "topic id");
      }

      const produceVersions = sharedVersions(connection, Produce);
      assert.ok(produceVersions.includes(9), `Produce versions ${produceVersions}`);
      assert.ok(produceVersions.includes(13), `Produce v13 (by topic id): ${produceVersions}`);
      let expectedOffset = 0n;
      for (const version of produceVersions) {
        const records = encodeRecordBatch([
          {
            timestamp: Date.now(),
            key: null,
            value: new TextEncoder().encode(`v${version}`),
            headers: [],
          },
        ]);
        const baseOffset = await produceBatch(connection, topic, 0, records, {
          acks: 1,
          version,
          topicId: version >= 13 ? await topicIdOf(connection, topic) : undefined,
        });
        assert.equal(baseOffset, expectedOffset++, `Produce v${version} offset`);
      }
    } finally {
      connection.close();
    }
  },
);

test("Produce to a missing topic: UNKNOWN_TOPIC_OR_PARTITION by name, UNKNOWN_TOPIC_ID by id", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const connection = await openConnection();
  try {
    const produce = (version: number) =>
      connection.request(Produce, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5_000,
        topics: [{
          topic: uniqueTopic("missing"),
          topicId: crypto.getRandomValues(new Uint8Array(16)),
          partitions: [{
            partition: 0,
            records: encodeRecordBatch([{ timestamp: 0, key: null, value: null, headers: [] }]),
          }],
        }],
      }, version);
    assert.equal((await produce(12)).topics[0].partitions[0].errorCode, 3);
    const byId = (await produce(13)).topics[0];
    assert.equal(byId.partitions[0].errorCode, 100, "UNKNOWN_TOPIC_ID");
    assert.equal(byId.topic, "");
  } finally {
    connection.close();
  }
});
