/** Building a Produce request frame: six 16 KiB batches for one topic (what the sender sends). */
import { encodeRequestFrame } from "../src/protocol/header.ts";
import { Produce, type ProduceRequest } from "../src/protocol/messages/produce.ts";

const request: ProduceRequest = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30_000,
  topics: [{
    topic: "bench-topic",
    partitions: Array.from({ length: 6 }, (_, partition) => ({
      partition,
      records: new Uint8Array(16384).fill(partition),
    })),
  }],
};

Deno.bench("Produce v12 frame, 6 × 16 KiB batches", { group: "request frame" }, () => {
  encodeRequestFrame(Produce, 12, 1, "kafka-edge", request);
});
