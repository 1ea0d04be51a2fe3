/**
 * bench/compare driver for kafka-edge (Deno, Bun, and Node over the tsc build). One `send()` per
 * record, not awaited one by one: the accumulator batches (lingerMs 5, batchSize 100000: the ~100 KB
 * batching unit every client here gets). Arguments: see _workload.ts.
 */

import { type Acks, type CompressionType, KafkaProducer } from "../../../mod.ts";
import { type BenchClient, parseWorkload, recordValue, runWorkload } from "./_workload.ts";

const workload = parseWorkload();
const producer = new KafkaProducer({
  bootstrapServers: workload.bootstrap,
  acks: (workload.acks === "all" ? "all" : 1) as Acks,
  enableIdempotence: workload.acks === "all",
  lingerMs: 5,
  batchSize: 100_000,
  compressionType: workload.compression as CompressionType,
});

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
