/**
 * The supported broker range, tested at its ends: the oldest Kafka the Java client 4.x supports
 * (2.1.1, on ZooKeeper) and the last 3.x (3.9.1, KRaft), beside the 4.x of the rest of the suite.
 * Against each, the producer writes keyed records with headers with every codec (zstd needs
 * Produce v7, which 2.1 is the first to speak), and a transactional producer commits and aborts;
 * kcat reads everything back (read_committed hides the aborted records) and the broker's own log
 * segments (Kafka's DumpLogSegments) show each batch stored with the producer's codec.
 * scripts/test.sh starts these brokers and exports KAFKA_BOOTSTRAP_2_1_1 and KAFKA_BOOTSTRAP_3_9_1.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaAdmin } from "../../mod.ts";
import { KafkaProducer, type RecordMetadata } from "../../mod.ts";
import type { CompressionType } from "../../src/compression/codec.ts";
import { kafkaTool, olderBroker, readTopic, uniqueTopic } from "../_lib/kafka.ts";

/** Each broker, and the highest Produce version it speaks (what the producer must use). */
const BROKERS = [
  { version: "2.1.1", produceVersion: 7 },
  { version: "3.9.1", produceVersion: 11 },
] as const;
const CODECS: CompressionType[] = ["none", "gzip", "snappy", "lz4", "zstd"];
const RECORDS = 300;
const PARTITIONS = 3;

async function createTopics(bootstrap: string[], names: string[]): Promise<void> {
  const admin = await KafkaAdmin.connect({ bootstrapServers: bootstrap });
  try {
    await admin.createTopics(
      names.map((name) => ({ name, numPartitions: PARTITIONS, replicationFactor: 1 })),
    );
  } finally {
    admin.close();
  }
}

/** JSON-like values (they compress); now and then one large enough for several LZ4 blocks. */
function valueOf(codec: string, i: number): string {
  const event = { id: i, codec, user: `user-${i % 17}`, note: `héllo ✓ ${"🚀".repeat(i % 3)}` };
  if (i % 150 === 11) return JSON.stringify({ ...event, blob: "lorem ipsum ".repeat(8000) });
  return JSON.stringify(event);
}

/** The Produce versions the producer spoke, from its request events. */
function produceVersions(producer: KafkaProducer): Set<number> {
  const versions = new Set<number>();
  producer.on("request", (event) => {
    if (event.api === "Produce") versions.add(event.apiVersion);
  });
  return versions;
}

for (const { version, produceVersion } of BROKERS) {
  test(`Kafka ${version}: every codec's records read back by kcat, stored with that codec`, {
    timeout: 120_000,
  }, async () => {
    const bootstrap = olderBroker(version);
    const topics = CODECS.map((codec) => uniqueTopic(`compat-${version}-${codec}`));
    await createTopics(bootstrap, topics);
    for (const [c, codec] of CODECS.entries()) {
      const producer = new KafkaProducer({
        bootstrapServers: bootstrap,
        compressionType: codec,
        lingerMs: 20,
      });
      const versions = produceVersions(producer);
      let sent: { key: string; value: string; meta: RecordMetadata }[];
      try {
        sent = await Promise.all(Array.from({ length: RECORDS }, async (_, i) => {
          const key = `key-${i % 29}`;
          const value = valueOf(codec, i);
          const headers: [string, string][] = [["seq", String(i)]];
          return {
            key,
            value,
            meta: await producer.send({ topic: topics[c], key, value, headers }),
          };
        }));
      } finally {
        await producer.close();
      }
      assert.deepEqual([...versions], [produceVersion], `${codec}: Produce versions spoken`);
      const read = await readTopic(topics[c], [], bootstrap);
      assert.equal(read.length, RECORDS, `${codec}: every record once`);
      const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
      sent.forEach(({ key, value, meta }, i) => {
        const r = byPosition.get(`${meta.partition}/${meta.offset}`);
        assert.ok(r, `${codec}: record ${i} not at ${meta.partition}/${meta.offset}`);
        assert.equal(r.key, key);
        assert.equal(r.value, value);
        assert.equal(r.headers, `seq=${i}`);
      });
    }
    await assertStoredCodecs(bootstrap, topics);
  });

  test(`Kafka ${version}: a committed and an aborted transaction, read_committed by kcat`, {
    timeout: 60_000,
  }, async () => {
    const bootstrap = olderBroker(version);
    const topic = uniqueTopic(`compat-${version}-txn`);
    await createTopics(bootstrap, [topic]);
    const producer = new KafkaProducer({
      bootstrapServers: bootstrap,
      transactionalId: uniqueTopic(`compat-${version}-txn-id`),
      compressionType: "zstd",
    });
    const committed = Array.from({ length: 40 }, (_, i) => `committed-${i}`);
    try {
      await producer.initTransactions();
      producer.beginTransaction();
      await Promise.all(committed.map((value, i) => producer.send({ topic, key: `k${i}`, value })));
      await producer.commitTransaction();
      producer.beginTransaction();
      const aborted = Array.from(
        { length: 15 },
        (_, i) => producer.send({ topic, key: `k${i}`, value: `aborted-${i}` }),
      );
      await producer.abortTransaction();
      await Promise.allSettled(aborted);
      producer.beginTransaction();
      await producer.send({ topic, key: "k0", value: "committed-last" });
      await producer.commitTransaction();
    } finally {
      await producer.close();
    }
    const visible = await readTopic(topic, ["-X", "isolation.level=read_committed"], bootstrap);
    assert.deepEqual(
      visible.map((r) => r.value).sort(),
      [...committed, "committed-last"].sort(),
    );
    const everything = await readTopic(
      topic,
      ["-X", "isolation.level=read_uncommitted"],
      bootstrap,
    );
    assert.equal(
      everything.filter((r) => r.value?.startsWith("aborted-")).length,
      15,
      "the aborted records are in the log",
    );
  });
}

/** Kafka's DumpLogSegments shows every batch of each topic stored with its codec. */
async function assertStoredCodecs(bootstrap: string[], topics: string[]): Promise<void> {
  const dirs = JSON.parse(
    (await kafkaTool("org.apache.kafka.tools.LogDirsCommand", [
      "--bootstrap-server",
      bootstrap.join(","),
      "--describe",
      "--topic-list",
      topics.join(","),
    ])).split("\n").find((line) => line.startsWith("{"))!,
  );
  const logDir: string = dirs.brokers[0].logDirs[0].logDir;
  const segments = topics.flatMap((topic) =>
    Array.from(
      { length: PARTITIONS },
      (_, p) => `${logDir}/${topic}-${p}/00000000000000000000.log`,
    )
  );
  const out = await kafkaTool("org.apache.kafka.tools.DumpLogSegments", [
    "--files",
    segments.join(","),
  ]);
  const perFile = out.split(/^Dumping /m).slice(1);
  assert.equal(perFile.length, segments.length);
  for (const [c, codec] of CODECS.entries()) {
    const dumps = perFile.filter((d) => d.startsWith(`${logDir}/${topics[c]}-`));
    const codecs = dumps.flatMap((d) => [...d.matchAll(/compresscodec: (\w+)/g)].map((m) => m[1]));
    assert.ok(codecs.length > 0, `${codec}: no batches`);
    assert.deepEqual(new Set(codecs), new Set([codec]), `${codec}: every batch`);
  }
}
