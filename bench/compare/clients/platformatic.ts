/**
 * bench/compare driver for @platformatic/kafka (Node 22: it needs Node >= 22, so bench/compare
 * installs Node 22 from npm). Pipelined: each `send()` carries ~100 KB of records (its batching
 * unit, it has no linger) and up to 5 calls are outstanding; none is awaited before the next.
 */

import { Buffer } from "node:buffer";
import { Producer } from "@platformatic/kafka";
import { type BenchClient, parseWorkload, recordValue, runWorkload } from "./_workload.ts";

const workload = parseWorkload();
const idempotent = workload.acks === "all";
const producer = new Producer({
  clientId: "compare",
  bootstrapBrokers: workload.bootstrap,
  idempotent,
  acks: idempotent ? -1 : 1,
  autocreateTopics: false,
  ...(workload.compression === "lz4" ? { compression: "lz4" as const } : {}),
});

const { topic } = workload;
const value = Buffer.from(recordValue(workload.size));
await producer.send({ messages: [{ topic, value }] }); // metadata and connections ready

const chunk = Math.max(1, Math.floor(100_000 / workload.size));
const client: BenchClient = {
  submit(count, acked) {
    const messages = Array.from({ length: count }, () => ({ topic, value }));
    producer.send({ messages }).then(
      () => acked(count),
      (e) => acked(count, e),
    );
  },
  close: () => producer.close(),
};
const result = await runWorkload(client, workload, {
  chunk,
  maxOutstanding: chunk * 5,
});
console.log(JSON.stringify({ client: "@platformatic/kafka", ...result }));
