/**
 * Bounded memory when the producer is fed far faster than the broker takes: the broker is
 * reached through a relay that forwards at most --mbps MB/s, and records come from a generator
 * that could make them many times faster. Every second it prints the records acknowledged, the
 * process's RSS and the producer's free buffer memory, then a summary line.
 *
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 deno run -A bench/bounded_memory.ts --buffer-mib 16
 *
 * Modes (--mode): `sendBatch` (default) and `writable` wait while bufferMemory is full, so RSS
 * should stay near bufferMemory plus a constant. `fire` calls send() in a loop without awaiting
 * anything, the way not to do it: every record then waits in memory and RSS grows with the input.
 *
 * Options: --seconds N (20), --buffer-mib N (16), --mbps N (2), --size BYTES (1000).
 */

import process from "node:process";
import { KafkaAdmin, KafkaProducer, type ProducerRecord } from "../mod.ts";
import { startRelay } from "../tests/_lib/relay.ts";

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

const bootstrap = (process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092").split(",")[0];
const mode = option("mode", "sendBatch");
const seconds = Number(option("seconds", "20"));
const bufferMemory = Number(option("buffer-mib", "16")) * 1024 * 1024;
const mbps = Number(option("mbps", "2"));
const size = Number(option("size", "1000"));

const [host, port] = bootstrap.split(":");
const topic = `bounded-${Date.now()}`;
const admin = await KafkaAdmin.connect({ bootstrapServers: [bootstrap] });
await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 1 }]);
admin.close();

// 16 KiB chunks every (16 KiB / rate) ms: the broker's intake is capped at `mbps`.
const chunk = 16 * 1024;
const relay = await startRelay({ host, port: Number(port) }, {
  maxChunk: chunk,
  delayMs: Math.max(1, Math.round((chunk / (mbps * 1e6)) * 1000)),
});
const producer = new KafkaProducer({
  bootstrapServers: [`127.0.0.1:${relay.port}`],
  bufferMemory,
  maxBlockMs: 120_000,
  deliveryTimeoutMs: 300_000,
  transport: {
    name: "relayed",
    connect: (_endpoint, events) =>
      // Every broker connection (bootstrap and leader) goes through the throttling relay.
      import("../src/transport/detect.ts").then(({ detectTransport }) =>
        detectTransport().connect({ host: "127.0.0.1", port: relay.port }, events)
      ),
  },
});

const value = "v".repeat(size);
let made = 0;
let acknowledged = 0;
let errors = 0;
const deadline = Date.now() + seconds * 1000;
function* records(): Generator<ProducerRecord> {
  while (Date.now() < deadline) yield { topic, key: `k${made % 1000}`, value: `${made++}${value}` };
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
let peakRss = 0;
const started = Date.now();
const report = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  const free = producer.metrics()["buffer-available-bytes"];
  console.log(
    `${
      ((Date.now() - started) / 1000).toFixed(0)
    } s: made ${made}, acknowledged ${acknowledged}, ` +
      `RSS ${mib(rss)} MiB, buffer free ${mib(free)} of ${mib(bufferMemory)} MiB`,
  );
}, 1000);

producer.on("batch", (e) => e.error ? (errors += e.recordCount) : (acknowledged += e.recordCount));
if (mode === "fire") {
  for (const record of records()) {
    producer.send(record).catch(() => {}); // counted by the batch events
    // Yield now and then so timers and sockets run at all; nothing here waits for memory.
    if (made % 10_000 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
} else if (mode === "writable") {
  const writer = producer.writable(topic).getWriter();
  for (const { key, value } of records()) {
    await writer.write({ key, value });
  }
  await writer.close();
} else {
  await producer.sendBatch(records()).catch(() => {});
}
await producer.close();
clearInterval(report);
await relay.close();
console.log(
  `mode ${mode}, bufferMemory ${mib(bufferMemory)} MiB, broker intake ${mbps} MB/s: ` +
    `${made} records made in ${seconds} s, ${errors} errors, peak RSS ${mib(peakRss)} MiB`,
);
