/**
 * bench/compare driver for kafka-edge (Deno, Bun, and Node over the tsc build): one `send()` per
 * record, none awaited one by one; the accumulator batches. Settings not given on the command
 * line keep the producer's defaults. Arguments: see _workload.ts.
 */

import { type CompressionType, KafkaProducer, type ProducerConfig } from "../../../mod.ts";
import { type BenchClient, parseWorkload, runWorkload } from "./_workload.ts";

const workload = parseWorkload();
const config: ProducerConfig = {
  bootstrapServers: workload.bootstrap,
  acks: workload.acks === "all" ? "all" : 1,
  compressionType: workload.compression as CompressionType,
};
if (workload.idempotence !== undefined) {
  config.enableIdempotence = workload.idempotence;
}
if (workload.batchBytes !== undefined) config.batchSize = workload.batchBytes;
if (workload.bufferBytes !== undefined) {
  config.bufferMemory = workload.bufferBytes;
}
if (workload.lingerMs !== undefined) config.lingerMs = workload.lingerMs;
const producer = new KafkaProducer(config);

const { topic, payload } = workload;
let batches = 0;
let batchBytes = 0;
producer.on("batch", (e) => {
  batches++;
  batchBytes += e.sizeBytes;
});
const client: BenchClient = {
  submit(first, count, acked) {
    const done = () => acked(1);
    const failed = (error: unknown) => acked(1, error);
    for (let i = first; i < first + count; i++) {
      producer.send({ topic, value: payload[i % payload.length] }).then(
        done,
        failed,
      );
    }
  },
  close: () => producer.close(),
  windowOpened() {
    batches = 0;
    batchBytes = 0;
  },
  batchBytes: () => (batches > 0 ? batchBytes / batches : undefined),
};
const settings = Object.entries(config)
  .filter(([name]) => name !== "bootstrapServers")
  .map(([name, value]) => `${name} ${value}`)
  .join(", ");
const result = await runWorkload(client, workload, settings || "defaults");
console.log(JSON.stringify({ client: "kafka-edge", ...result }));
