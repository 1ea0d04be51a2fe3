/**
 * Compressed batches on the real broker: for each codec, keyed records with headers produced by
 * the KafkaProducer, read back by kcat (librdkafka decompresses all four) and by Kafka's own
 * ConsoleConsumer (the Java client), every key, value, header and timestamp compared; the
 * broker's log segments (DumpLogSegments) show the batches stored with the producer's codec.
 * Also: a compressed batch the broker refuses as too large is split and still delivered.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer, type RecordMetadata } from "../../mod.ts";
import type { CompressionType } from "../../src/compression/codec.ts";
import { bootstrapServers, kafkaTool, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

type Codec = Exclude<CompressionType, "none">;
const CODECS: Codec[] = ["gzip", "snappy", "lz4", "zstd"];
const RECORDS_PER_CODEC = 1200;
const PARTITIONS = 3;

interface Sent {
  key: string;
  value: string;
  headers: [string, string][];
  meta: RecordMetadata;
}

/** JSON-like values (they compress), some large enough to span several LZ4 blocks. */
function valueOf(codec: Codec, i: number): string {
  const event = {
    id: i,
    codec,
    user: `user-${i % 41}`,
    action: ["view", "click", "buy", "refund"][i % 4],
    note: `héllo ✓ ${"🚀".repeat(i % 3)}`,
  };
  if (i % 400 === 7) return JSON.stringify({ ...event, blob: "lorem ipsum ".repeat(9000) });
  return JSON.stringify(event);
}

async function produce(codec: Codec): Promise<{ topic: string; sent: Sent[] }> {
  const topic = uniqueTopic(`compressed-${codec}`);
  await createTopic(topic, PARTITIONS);
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    compressionType: codec,
    lingerMs: 20,
  });
  try {
    const sent = await Promise.all(
      Array.from({ length: RECORDS_PER_CODEC }, (_, i) => {
        // The codec in the key tells the topics apart in ConsoleConsumer's output.
        const key = `${codec}-key-${i % 53}`;
        const value = valueOf(codec, i);
        const headers: [string, string][] = [["seq", String(i)], ["kind", `évent-${i % 5}`]];
        return producer.send({ topic, key, value, headers }).then((meta) => ({
          key,
          value,
          headers,
          meta,
        }));
      }),
    );
    return { topic, sent };
  } finally {
    await producer.close();
  }
}

const produced = Promise.all(CODECS.map(produce));
produced.catch(() => {}); // each test awaits it and reports the failure

const position = (partition: number, offset: bigint) => `${partition}/${offset}`;

for (const [i, codec] of CODECS.entries()) {
  test(`${codec}: kcat reads every keyed record with its headers back byte for byte`, {
    timeout: BROKER_TIMEOUT_MS,
  }, async () => {
    const { topic, sent } = (await produced)[i];
    const read = await readTopic(topic);
    assert.equal(read.length, sent.length, "every record once");
    const byPosition = new Map(read.map((r) => [position(r.partition, r.offset), r]));
    for (const s of sent) {
      const r = byPosition.get(position(s.meta.partition, s.meta.offset));
      assert.ok(r, `${s.key} at ${s.meta.partition}/${s.meta.offset} not found`);
      assert.equal(r.key, s.key);
      assert.equal(r.value, s.value);
      assert.equal(r.headers, s.headers.map(([n, v]) => `${n}=${v}`).join(","));
      assert.equal(BigInt(r.timestamp), s.meta.timestamp);
    }
  });
}

test("Kafka's ConsoleConsumer reads every codec's records back byte for byte", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const all = await produced;
  const total = all.reduce((n, p) => n + p.sent.length, 0);
  const out = await kafkaTool("org.apache.kafka.tools.consumer.ConsoleConsumer", [
    "--bootstrap-server",
    bootstrapServers().join(","),
    "--include",
    all.map((p) => p.topic).join("|"),
    "--from-beginning",
    "--max-messages",
    String(total),
    "--timeout-ms",
    "60000",
    ...[
      "print.timestamp=true",
      "print.partition=true",
      "print.offset=true",
      "print.headers=true",
      "print.key=true",
    ].flatMap((p) => ["--formatter-property", p]),
  ]);
  // CreateTime:<ms> \t Partition:<p> \t Offset:<o> \t name:value,... \t key \t value
  const read = new Map<string, string>();
  for (const line of out.split("\n").filter((l) => l.startsWith("CreateTime:"))) {
    const [time, partition, offset, headers, key, value] = line.split("\t");
    const codec = key.slice(0, key.indexOf("-"));
    const where = `${codec} ${partition.slice("Partition:".length)}/${offset.slice(7)}`;
    assert.ok(!read.has(where), `${where} read twice`);
    read.set(where, [time.slice("CreateTime:".length), headers, key, value].join("\t"));
  }
  assert.equal(read.size, total, "every record of every codec");
  for (const [i, codec] of CODECS.entries()) {
    for (const s of all[i].sent) {
      const where = `${codec} ${s.meta.partition}/${s.meta.offset}`;
      const headers = s.headers.map(([n, v]) => `${n}:${v}`).join(",");
      assert.equal(read.get(where), [s.meta.timestamp, headers, s.key, s.value].join("\t"), where);
    }
  }
});

test("the broker stores the batches with the producer's codec (DumpLogSegments)", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const all = await produced;
  const dirs = JSON.parse(
    (await kafkaTool("org.apache.kafka.tools.LogDirsCommand", [
      "--bootstrap-server",
      bootstrapServers().join(","),
      "--describe",
      "--topic-list",
      all.map((p) => p.topic).join(","),
    ])).split("\n").find((line) => line.startsWith("{"))!,
  );
  const logDir: string = dirs.brokers[0].logDirs[0].logDir;
  const segments = all.map((p) => `${logDir}/${p.topic}-0/00000000000000000000.log`);
  const out = await kafkaTool("org.apache.kafka.tools.DumpLogSegments", [
    "--files",
    segments.join(","),
  ]);
  const perFile = out.split(/^Dumping /m).slice(1);
  assert.equal(perFile.length, CODECS.length);
  for (const [i, codec] of CODECS.entries()) {
    const dump = perFile.find((d) => d.startsWith(segments[i]))!;
    const codecs = [...dump.matchAll(/compresscodec: (\w+)/g)].map((m) => m[1]);
    assert.ok(codecs.length > 0, `${codec}: no batches in ${segments[i]}`);
    assert.deepEqual(new Set(codecs), new Set([codec]), `${codec}: every batch`);
  }
});

test("a compressed batch the broker finds too large is split, and every record arrives", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("compressed-too-large");
  // Each record alone fits; a batch of them, even compressed, does not.
  await createTopic(topic, 1, { "max.message.bytes": "3000" });
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    compressionType: "lz4",
    lingerMs: 50,
  });
  // Random text: it compresses little, so 60 records make batches far over 3000 bytes.
  let seed = 12345;
  const randomText = (length: number) =>
    Array.from({ length }, () => (seed = (seed * 1103515245 + 12345) >>> 0) % 36)
      .map((d) => d.toString(36)).join("");
  const values = Array.from({ length: 60 }, (_, i) => `${i}:${randomText(1500)}`);
  let metas: RecordMetadata[];
  try {
    metas = await Promise.all(values.map((value) => producer.send({ topic, value })));
  } finally {
    await producer.close();
  }
  const read = await readTopic(topic);
  assert.equal(read.length, values.length, "every record once");
  const byOffset = new Map(read.map((r) => [r.offset, r.value]));
  metas.forEach((m, i) => assert.equal(byOffset.get(m.offset), values[i]));
});

test("compressed transactional batches: read_committed sees the committed records only", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("compressed-txn");
  await createTopic(topic, 2);
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    transactionalId: uniqueTopic("compressed-txn-id"),
    compressionType: "zstd",
  });
  const committed = Array.from({ length: 50 }, (_, i) => valueOf("zstd", i));
  try {
    await producer.initTransactions();
    producer.beginTransaction();
    await Promise.all(committed.map((value, i) => producer.send({ topic, key: `k${i}`, value })));
    await producer.commitTransaction();
    producer.beginTransaction();
    const aborted = Array.from(
      { length: 20 },
      (_, i) => producer.send({ topic, key: `k${i}`, value: `aborted-${i}` }),
    );
    await producer.abortTransaction();
    await Promise.allSettled(aborted);
  } finally {
    await producer.close();
  }
  const visible = await readTopic(topic, ["-X", "isolation.level=read_committed"]);
  assert.deepEqual(visible.map((r) => r.value).sort(), [...committed].sort());
  const everything = await readTopic(topic, ["-X", "isolation.level=read_uncommitted"]);
  assert.equal(everything.length, committed.length + 20, "the aborted records are in the log");
});
