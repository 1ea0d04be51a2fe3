/**
 * End-to-end throughput against a real broker: records/s and MB/s for one producer sending
 * fixed-size records as fast as it is allowed to. Runs under Deno, Bun and Node (built).
 *
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 deno run -A bench/produce_throughput.ts --records 500000 --size 100 --acks 1
 *   bun bench/produce_throughput.ts --size 1024 --acks all
 *
 * Options: --records N (500000), --size BYTES (100), --acks 0|1|all (1), --partitions N (6),
 * --linger MS (5), --batch BYTES (16384), --idempotence true|false (the producer's default:
 * on with acks all), --compression none|gzip|snappy|lz4|zstd (none), --payload text|json (text:
 * one repeated alphabet; json: JSON-like events of about --size bytes, from bench/json_records.ts,
 * which is what compression should be measured on). Prints one human line and one JSON line.
 */

import process from "node:process";
import { type Acks, type CompressionType, KafkaAdmin, KafkaProducer } from "../mod.ts";
import { jsonRecords } from "./json_records.ts";

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const bootstrapServers = (process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092").split(",");
const records = Number(option("records", "500000"));
const size = Number(option("size", "100"));
const acksOption = option("acks", "1");
const acks: Acks = acksOption === "all" ? "all" : (Number(acksOption) as Acks);
const partitions = Number(option("partitions", "6"));
const lingerMs = Number(option("linger", "5"));
const batchSize = Number(option("batch", "16384"));
const idempotenceOption = option("idempotence", "default");
const enableIdempotence = idempotenceOption === "default"
  ? undefined
  : idempotenceOption === "true";
const compressionType = option("compression", "none") as CompressionType;
const payload = option("payload", "text");
const runtime = "Bun" in globalThis
  ? `bun ${process.versions.bun}`
  : "Deno" in globalThis
  ? `deno ${process.versions.deno}`
  : `node ${process.versions.node}`;

const topic = `bench-${size}b-acks${acksOption}-${compressionType}-${Date.now()}`;
const admin = await KafkaAdmin.connect({ bootstrapServers });
await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor: 1 }]);
admin.close();

const producer = new KafkaProducer({
  bootstrapServers,
  acks,
  lingerMs,
  batchSize,
  enableIdempotence,
  compressionType,
});
const text = Uint8Array.from({ length: size }, (_, i) => 97 + (i % 26));
// A pool of distinct JSON events, encoded before the clock starts.
const nextJson = jsonRecords(size);
const encoder = new TextEncoder();
const values = payload === "json"
  ? Array.from({ length: 4096 }, () => encoder.encode(nextJson()))
  : [text];
const valueBytes = values.reduce((n, v) => n + v.length, 0) / values.length;
await producer.send({ topic, value: values[0] }); // metadata, connections, leaders ready

let failed = 0;
let firstError: unknown;
const onError = (error: unknown) => {
  failed++;
  firstError ??= error;
};
const started = performance.now();
for (let i = 0; i < records; i++) {
  producer.send({ topic, value: values[i % values.length] }).catch(onError);
}
await producer.flush();
const seconds = (performance.now() - started) / 1000;
await producer.close();

const perSecond = records / seconds;
const mbPerSecond = (records * valueBytes) / seconds / 1e6;
console.log(
  `${runtime}: ${records} x ${Math.round(valueBytes)} B ${payload}, acks ${acksOption}, ` +
    `idempotence ${idempotenceOption}, compression ${compressionType}, ` +
    `${partitions} partitions: ` +
    `${Math.round(perSecond).toLocaleString("en")} records/s, ${mbPerSecond.toFixed(1)} MB/s, ` +
    `${failed} failed${failed ? ` (first: ${firstError})` : ""}`,
);
console.log(
  JSON.stringify({
    runtime,
    records,
    size: valueBytes,
    payload,
    compression: compressionType,
    acks: acksOption,
    partitions,
    seconds,
    perSecond,
    mbPerSecond,
    failed,
  }),
);
