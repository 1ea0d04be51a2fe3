/**
 * bench/compare driver for kafka-edge (Deno, Bun, and Node over the tsc build). One `send()` per
 * record, not awaited one by one: the accumulator batches (lingerMs 5, batchSize 16384, the Java
 * defaults). Arguments: see _workload.ts.
 */

import process from "node:process";
import { type Acks, ConfigError, KafkaProducer, type ProducerConfig } from "../../../mod.ts";
import {
  type BenchClient,
  parseWorkload,
  recordValue,
  runtimeName,
  runWorkload,
} from "./_workload.ts";

const workload = parseWorkload();
const config: ProducerConfig = {
  bootstrapServers: workload.bootstrap,
  acks: (workload.acks === "all" ? "all" : 1) as Acks,
  enableIdempotence: workload.acks === "all",
  lingerMs: 5,
  batchSize: 16384,
};
// Compression arrives on another branch: until then the config schema refuses the field, and
// the row says so instead of showing uncompressed figures.
const compression: Record<string, unknown> = workload.compression === "none"
  ? {}
  : { compressionType: workload.compression };

let producer: KafkaProducer;
try {
  producer = new KafkaProducer({ ...config, ...compression });
} catch (error) {
  if (error instanceof ConfigError && error.field === "compressionType") {
    console.log(JSON.stringify({
      client: "kafka-edge",
      runtime: runtimeName(),
      unsupported: "no compression yet",
    }));
    process.exit(0);
  }
  throw error;
}

const { topic } = workload;
const value = recordValue(workload.size);
await producer.send({ topic, value }); // metadata and connections ready, as the peers do
const client: BenchClient = {
  submit(count, acked) {
    const done = () => acked(1);
    const failed = (error: unknown) => acked(1, error);
    for (let i = 0; i < count; i++) {
      producer.send({ topic, value }).then(done, failed);
    }
  },
  close: () => producer.close(),
};
const result = await runWorkload(client, workload, {
  chunk: 1000,
  maxOutstanding: 100_000,
});
console.log(JSON.stringify({ client: "kafka-edge", ...result }));
