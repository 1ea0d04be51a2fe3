/**
 * A bounded soak run against a real broker: one producer sends 100-byte records for a fixed
 * time, never more than --outstanding records awaiting acknowledgement, and every 5 s prints
 * records/s, errors and the process's RSS. Runs under Deno, Bun and Node (built).
 *
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 deno run -A bench/soak.ts --seconds 120
 *
 * Options: --seconds N (120), --outstanding N (100000), --size BYTES (100), --partitions N (6).
 */

import process from "node:process";
import { KafkaAdmin, KafkaProducer } from "../mod.ts";

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const bootstrapServers = (process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092").split(",");
const seconds = option("seconds", 120);
const maxOutstanding = option("outstanding", 100_000);
const size = option("size", 100);
const partitions = option("partitions", 6);

const topic = `soak-${Date.now()}`;
const admin = await KafkaAdmin.connect({ bootstrapServers });
await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor: 1 }]);
admin.close();

const producer = new KafkaProducer({ bootstrapServers });
const value = new Uint8Array(size).fill(0x61);
let sent = 0;
let acknowledged = 0;
let errors = 0;
let lastError: unknown;
let wakeSender: (() => void) | null = null;
const settled = () => {
  acknowledged++;
  if (wakeSender && sent - acknowledged < maxOutstanding / 2) {
    wakeSender();
    wakeSender = null;
  }
};
const failed = (error: unknown) => {
  errors++;
  lastError = error;
  settled();
};

const started = performance.now();
const end = started + seconds * 1000;
let lastReport = { at: started, acknowledged: 0 };
const report = setInterval(() => {
  const now = performance.now();
  const rate = (acknowledged - lastReport.acknowledged) / ((now - lastReport.at) / 1000);
  lastReport = { at: now, acknowledged };
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `t=${((now - started) / 1000).toFixed(0)}s ${
      Math.round(rate).toLocaleString("en")
    } records/s, ` +
      `${acknowledged} acknowledged, ${errors} errors, RSS ${rss.toFixed(0)} MiB`,
  );
}, 5000);

while (performance.now() < end) {
  if (sent - acknowledged >= maxOutstanding) {
    await new Promise<void>((resolve) => (wakeSender = resolve));
    continue;
  }
  for (let i = 0; i < 1000; i++, sent++) producer.send({ topic, value }).then(settled, failed);
  await new Promise((resolve) => setTimeout(resolve, 0)); // let the sender and sockets run
}
await producer.close();
clearInterval(report);
const total = (performance.now() - started) / 1000;
console.log(
  `done: ${acknowledged} records in ${total.toFixed(1)} s (${
    Math.round(acknowledged / total)
  } /s), ` +
    `${errors} errors${errors ? ` (last: ${lastError})` : ""}`,
);
