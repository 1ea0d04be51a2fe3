/**
 * What the error-table tests (docs/errors.md) share: a producer behind the fault proxy with short
 * timeouts, and the independent consumer's verdict (kcat): exactly once, in send order per
 * partition.
 */

import assert from "node:assert/strict";
import { KafkaProducer, type ProducerConfig, type RecordMetadata } from "../../mod.ts";
import { bootstrapServers, readTopic } from "../_lib/kafka.ts";
import { type KafkaProxy, type KafkaProxyOptions, startKafkaProxy } from "../_lib/kafka_proxy.ts";

/** Short bounds, so that a row that hangs ends (and names itself) within seconds. */
export const FAST: Partial<ProducerConfig> = {
  lingerMs: 0,
  requestTimeoutMs: 2_000,
  deliveryTimeoutMs: 10_000,
  maxBlockMs: 4_000,
  retryBackoffMs: 20,
  retryBackoffMaxMs: 100,
  reconnectBackoffMs: 20,
  reconnectBackoffMaxMs: 200,
  transactionTimeoutMs: 20_000,
};

export const READ_COMMITTED = ["-X", "isolation.level=read_committed"] as const;

/** A proxy in front of the test broker and a producer that only knows the proxy. */
export async function proxied(
  config: Partial<ProducerConfig> = {},
  proxyOptions: KafkaProxyOptions = {},
): Promise<{ proxy: KafkaProxy; producer: KafkaProducer; close(): Promise<void> }> {
  const proxy = await startKafkaProxy(bootstrapServers()[0], proxyOptions);
  const producer = new KafkaProducer({ ...FAST, ...config, bootstrapServers: [proxy.bootstrap] });
  return {
    proxy,
    producer,
    async close() {
      await producer.close({ timeoutMs: 5_000 }).catch(() => {});
      await proxy.close();
    },
  };
}

/** How a send settled. */
export type Settled = { value: string; meta: RecordMetadata } | { value: string; error: Error };

/** Sends `value` to `partition` and records how its promise settles (never rejects). */
export function sendTo(
  producer: KafkaProducer,
  topic: string,
  partition: number,
  value: string,
): Promise<Settled> {
  return producer.send({ topic, partition, value }).then(
    (meta) => ({ value, meta }),
    (error: Error) => ({ value, error }),
  );
}

/** The rejection of a settled send (fails if it was delivered). */
export function errorOf(settled: Settled): Error {
  assert.ok("error" in settled, `${settled.value} was delivered, expected a rejection`);
  return settled.error;
}

/** Fails unless every settled send was delivered. */
export function assertDelivered(settled: Settled[]): void {
  const failed = settled.filter((s) => "error" in s);
  assert.equal(
    failed.length,
    0,
    `${failed.length} rejected, first: ${
      "error" in (failed[0] ?? {}) ? (failed[0] as { error: Error }).error : ""
    }`,
  );
}

/**
 * kcat reads exactly `values` (each once), and per partition in the order given. Reports
 * duplicates and losses by value.
 */
export async function assertExactlyOnce(
  topic: string,
  values: readonly string[],
  extraArgs: readonly string[] = [],
): Promise<void> {
  const read = await readTopic(topic, extraArgs);
  const counts = new Map<string, number>();
  for (const r of read) counts.set(r.value!, (counts.get(r.value!) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([v, n]) => `${v}×${n}`);
  const lost = values.filter((v) => !counts.has(v));
  const unexpected = [...counts.keys()].filter((v) => !values.includes(v));
  assert.deepEqual(
    { duplicated, lost, unexpected },
    { duplicated: [], lost: [], unexpected: [] },
    `kcat read ${read.length} records for ${values.length} sent`,
  );
  const position = new Map(values.map((v, i) => [v, i]));
  for (const partition of new Set(read.map((r) => r.partition))) {
    const order = read.filter((r) => r.partition === partition).map((r) => position.get(r.value!)!);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `partition ${partition} reordered`);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds (polling), failing after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
