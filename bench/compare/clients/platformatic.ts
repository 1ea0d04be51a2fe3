/**
 * bench/compare driver for @platformatic/kafka (Node 22: it needs Node >= 22, so bench/compare
 * installs Node 22 from npm). It has no linger: each `send()` carries `--chunk` records (spread
 * round-robin over the partitions) and is not awaited before the next. Its idempotent producer
 * keeps one request in flight (its own rule). Arguments: see _workload.ts.
 */

import { Buffer } from "node:buffer";
import { Producer } from "@platformatic/kafka";
import { type BenchClient, parseWorkload, runWorkload } from "./_workload.ts";

const workload = parseWorkload();
const idempotent = workload.idempotence ?? false;
const producer = new Producer({
  clientId: "compare",
  bootstrapBrokers: workload.bootstrap,
  idempotent,
  acks: workload.acks === "all" ? -1 : 1,
  autocreateTopics: false,
  ...(workload.compression === "lz4" ? { compression: "lz4" as const } : {}),
});

const { topic } = workload;
const values = workload.payload.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length));
const client: BenchClient = {
  submit(first, count, acked) {
    const messages = new Array(count);
    for (let i = 0; i < count; i++) {
      messages[i] = { topic, value: values[(first + i) % values.length] };
    }
    producer.send({ messages }).then(
      () => acked(count),
      (e) => acked(count, e),
    );
  },
  close: () => producer.close(),
};
const settings = `idempotent ${idempotent}, ${workload.chunk} records per send()`;
const result = await runWorkload(client, workload, settings);
console.log(JSON.stringify({ client: "@platformatic/kafka", ...result }));
