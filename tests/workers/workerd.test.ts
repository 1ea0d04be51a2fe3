/**
 * The producer inside Cloudflare's Workers runtime: tests/workers/producer_worker.ts is bundled
 * with esbuild, served by workerd (from npm) and asked over HTTP to produce to the test broker
 * through `connect()` from `cloudflare:sockets`; kcat then reads back every record. Tests the
 * Workers runtime, not the one running this file: Deno only (scripts/test.sh).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseEndpoint } from "../../src/client/bootstrap.ts";
import { keyedPartition } from "../../src/producer/partitioner.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { startRelay } from "../_lib/relay.ts";
import { startWorkerd, type Workerd } from "../_lib/workerd.ts";
import type { ProduceRequest, ProduceResponse } from "./producer_worker.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

const encoder = new TextEncoder();

const worker = join(import.meta.dirname ?? "tests/workers", "producer_worker.ts");

/** Runs `body` against a fresh workerd serving the Worker, and stops it afterwards. */
async function withWorkerd(
  allowLoopback: boolean,
  body: (workerd: Workerd) => Promise<void>,
): Promise<void> {
  const workerd = await startWorkerd(worker, {
    allowLoopback,
    durableObject: { className: "ProducerObject", binding: "PRODUCERS" },
  });
  try {
    await body(workerd);
  } finally {
    await workerd.stop();
  }
}

async function produceInWorker(
  workerd: Workerd,
  request: ProduceRequest,
  path = "/request",
) {
  const { status, body } = await workerd.post(path, request);
  const response = body as ProduceResponse;
  if ("error" in response) {
    assert.fail(`the Worker failed (${status}): ${response.error.name}: ${response.error.message}
workerd said: ${workerd.output()}`);
  }
  assert.equal(status, 200);
  assert.equal(response.userAgent, "Cloudflare-Workers");
  assert.equal(response.metadata.length, request.records.length);
  return response;
}

/** Printable text of `length` bytes that differs from record to record and byte to byte. */
function filler(seed: number, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let state = seed * 2654435761 >>> 0;
  let text = "";
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    text += alphabet[state >>> 26];
  }
  return text;
}

/**
 * Checks with kcat that the topic holds exactly `records`, where the Worker said it put them,
 * with the timestamps it reported.
 */
async function assertTopicHolds(
  topic: string,
  records: ProduceRequest["records"],
  metadata: Extract<ProduceResponse, { metadata: unknown }>["metadata"],
) {
  const read = await readTopic(topic);
  assert.equal(read.length, records.length, "kcat sees every record once");
  const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r]));
  records.forEach((record, i) => {
    const meta = metadata[i];
    const found = byPosition.get(`${meta.partition}/${meta.offset}`);
    assert.ok(found, `record ${i} is not at ${meta.partition}/${meta.offset}`);
    assert.equal(found.key, record.key, `key of record ${i}`);
    assert.equal(found.value, record.value, `value of record ${i}`);
    assert.equal(found.headers, record.headers.map(([n, v]) => `${n}=${v}`).join(","));
    assert.equal(String(found.timestamp), meta.timestamp, `timestamp of record ${i}`);
    if (record.timestamp !== undefined) assert.equal(found.timestamp, record.timestamp);
  });
}

test("workers: keyed records with headers produced from workerd arrive byte for byte", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("workers-keyed");
  const partitions = 3;
  await createTopic(topic, partitions);
  const records: ProduceRequest["records"] = Array.from({ length: 300 }, (_, i) => ({
    key: i % 10 === 0 ? null : `user-${i % 23}`,
    value: `event ${i} ${"é€😀".repeat(i % 5)} ${filler(i, i % 200)}`,
    headers: i % 2 === 0 ? [["seq", String(i)], ["origin", "worker"]] : [],
    ...(i % 7 === 0 ? { timestamp: 1_764_000_000_000 + i } : {}),
  }));
  await withWorkerd(true, async (workerd) => {
    const { metadata, sockets } = await produceInWorker(workerd, {
      config: { bootstrapServers: bootstrapServers(), lingerMs: 5 },
      topic,
      records,
    });
    assert.ok(sockets.opened > 0 && sockets.writes > 0, "cloudflare:sockets was not used");
    await assertTopicHolds(topic, records, metadata);
    const lastOffset = new Map<number, bigint>();
    records.forEach((record, i) => {
      const { partition, offset } = metadata[i];
      if (record.key !== null) {
        assert.equal(partition, keyedPartition(encoder.encode(record.key), partitions));
      }
      assert.ok(BigInt(offset) > (lastOffset.get(partition) ?? -1n), `record ${i} out of order`);
      lastOffset.set(partition, BigInt(offset));
    });
  });
});

test("workers: requests over 64 KiB arrive whole, written in pieces of at most 64 KiB", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("workers-large");
  await createTopic(topic, 1);
  // Single records of 70 to 300 KiB (each request holding one is over 64 KiB), then many small
  // ones that a 512 KiB batch gathers into large requests.
  const large = [70, 300, 129, 65].map((kib, i) => ({
    key: `large-${i}`,
    value: filler(1000 + i, kib * 1024),
    headers: [["size", `${kib}KiB`]] as [string, string][],
  }));
  const small = Array.from({ length: 200 }, (_, i) => ({
    key: `small-${i}`,
    value: filler(2000 + i, 3000),
    headers: [] as [string, string][],
  }));
  const records = [...large, ...small];
  const totalBytes = records.reduce((sum, r) => sum + r.value.length, 0);
  await withWorkerd(true, async (workerd) => {
    const { metadata, sockets } = await produceInWorker(workerd, {
      config: { bootstrapServers: bootstrapServers(), batchSize: 512 * 1024, lingerMs: 50 },
      topic,
      records,
    });
    assert.ok(sockets.bytes > totalBytes, `only ${sockets.bytes} bytes written`);
    assert.equal(sockets.largestWrite, 64 * 1024, "writes are not cut at 64 KiB");
    await assertTopicHolds(topic, records, metadata);
  });
});

test("workers: workerd refuses 127.0.0.1 unless the network allows it; send() fails typed", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("workers-refused");
  await withWorkerd(false, async (workerd) => {
    const { status, body } = await workerd.post(
      "/request",
      {
        config: { bootstrapServers: bootstrapServers(), maxBlockMs: 3000 },
        topic,
        records: [{ key: "k", value: "v", headers: [] }],
      } satisfies ProduceRequest,
    );
    assert.equal(status, 500);
    assert.equal((body as { error?: { name: string } }).error?.name, "TimeoutError");
    assert.match(workerd.output(), /connecting to 127\.0\.0\.1:\d+ is not allowed/);
  });
});

test("workers: a Durable Object keeps its producer and its connections across requests", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("workers-object");
  await createTopic(topic, 2);
  const config = { bootstrapServers: bootstrapServers(), lingerMs: 5 };
  const rounds = [0, 1, 2].map((round) =>
    Array.from({ length: 50 }, (_, i) => ({
      key: `k-${i % 9}`,
      value: `round ${round} record ${i} ${filler(round * 100 + i, 64)}`,
      headers: [["round", String(round)]] as [string, string][],
    }))
  );
  await withWorkerd(true, async (workerd) => {
    const answers = [];
    for (const records of rounds) {
      answers.push(await produceInWorker(workerd, { config, topic, records }, "/durable-object"));
    }
    assert.ok(answers[0].sockets.opened > 0, "the first request opened no socket");
    assert.deepEqual(answers.slice(1).map((a) => a.sockets.opened), [0, 0], "sockets reopened");
    assert.ok(answers.every((a) => a.sockets.writes > 0));
    await assertTopicHolds(topic, rounds.flat(), answers.flatMap((a) => a.metadata));
  });
});

test("workers: connections cut mid-stream: each record is written once, in order", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("workers-cut");
  const partitions = 3;
  await createTopic(topic, partitions);
  const relay = await startRelay(parseEndpoint(bootstrapServers()[0]));
  const records = Array.from({ length: 20_000 }, (_, i) => ({
    key: `k-${i % 101}`,
    value: `${i} ${filler(i, 80)}`,
    headers: [] as [string, string][],
  }));
  // Cut every connection each time the relay has forwarded another few hundred KB, while the
  // Worker is still sending (about 2.5 MB in all); its idempotent producer reconnects and retries.
  let answered = false;
  const cutsAt: number[] = [];
  const cutter = (async () => {
    for (const threshold of [200_000, 700_000, 1_400_000]) {
      while (!answered && relay.stats.toBroker < threshold) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (answered) return;
      relay.cutAll();
      cutsAt.push(relay.stats.toBroker);
    }
  })();
  try {
    await withWorkerd(true, async (workerd) => {
      const { metadata } = await produceInWorker(workerd, {
        config: { bootstrapServers: [`127.0.0.1:${relay.port}`], lingerMs: 5 },
        connectTo: { host: "127.0.0.1", port: relay.port },
        topic,
        records,
      }).finally(() => answered = true);
      await cutter;
      assert.equal(cutsAt.length, 3, `the Worker was done after ${cutsAt.length} cuts`);
      assert.ok(relay.stats.connections > 3, `only ${relay.stats.connections} connections`);
      await assertTopicHolds(topic, records, metadata);
      const lastOffset = new Map<number, bigint>();
      metadata.forEach(({ partition, offset }, i) => {
        assert.ok(BigInt(offset) > (lastOffset.get(partition) ?? -1n), `record ${i} out of order`);
        lastOffset.set(partition, BigInt(offset));
      });
    });
  } finally {
    answered = true;
    await relay.close();
  }
});

test("workers: batches of every codec from workerd arrive byte for byte", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  await withWorkerd(true, async (workerd) => {
    for (const compressionType of ["lz4", "snappy", "gzip", "zstd"] as const) {
      const topic = uniqueTopic(`workers-${compressionType}`);
      await createTopic(topic, 2);
      const records = Array.from({ length: 200 }, (_, i) => ({
        key: `user-${i % 13}`,
        value: `{"event":${i},"text":"${filler(i, 50)}${"repeat ".repeat(i % 20)}"}`,
        headers: [["codec", compressionType]] as [string, string][],
      }));
      const { metadata } = await produceInWorker(workerd, {
        config: { bootstrapServers: bootstrapServers(), lingerMs: 5, compressionType },
        topic,
        records,
      });
      await assertTopicHolds(topic, records, metadata);
    }
  });
});

test(
  "workers: TLS options Workers cannot honour (a private CA) fail with TlsError, not plaintext",
  { timeout: HARNESS_TIMEOUT_MS },
  async () => {
    await withWorkerd(true, async (workerd) => {
      const topic = uniqueTopic("workers-tls");
      await createTopic(topic, 1);
      const { body } = await workerd.post("/request", {
        config: {
          bootstrapServers: bootstrapServers(),
          ssl: { ca: "-----BEGIN CERTIFICATE-----" },
        },
        topic,
        records: [{ key: "k", value: "v", headers: [] }],
      });
      const response = body as ProduceResponse;
      assert.ok("error" in response, "the record was sent");
      assert.equal(response.error.name, "TlsError", response.error.message);
      assert.match(response.error.message, /trust store/);
      assert.equal((await readTopic(topic)).length, 0, "something was written in plaintext");
    });
  },
);
