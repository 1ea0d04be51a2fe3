/**
 * bench/compare driver for kafkajs (Node 22, type stripping). kafkajs has no linger: its batching
 * is the array of messages given to one `send()`, so each call carries ~100 KB of records and up
 * to 5 calls are outstanding. Idempotence (acks all) needs `maxInFlightRequests: 1` there. LZ4 is
 * not built in: the codec below uses lz4-napi's frame format (what Kafka expects).
 */

import { Buffer } from "node:buffer";
import kafkajs from "kafkajs";
import { compressFrame, decompressFrame } from "lz4-napi";
import { type BenchClient, parseWorkload, recordValue, runWorkload } from "./_workload.ts";

const { CompressionCodecs, CompressionTypes, Kafka, logLevel, Partitioners } = kafkajs;
const workload = parseWorkload();
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
  decompress: (buffer: Buffer) => decompressFrame(buffer),
});

const idempotent = workload.acks === "all";
const kafka = new Kafka({
  clientId: "compare",
  brokers: workload.bootstrap,
  logLevel: logLevel.NOTHING,
});
const producer = kafka.producer({
  idempotent,
  maxInFlightRequests: idempotent ? 1 : 5,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
});
await producer.connect();

const { topic } = workload;
const value = Buffer.from(recordValue(workload.size));
const acks = idempotent ? -1 : 1;
const compression = workload.compression === "lz4" ? CompressionTypes.LZ4 : CompressionTypes.None;
await producer.send({ topic, acks, compression, messages: [{ value }] }); // metadata ready

const chunk = Math.max(1, Math.floor(100_000 / workload.size));
const client: BenchClient = {
  submit(count, acked) {
    const messages = Array.from({ length: count }, () => ({ value }));
    producer.send({ topic, acks, compression, messages }).then(
      () => acked(count),
      (e) => acked(count, e),
    );
  },
  close: () => producer.disconnect(),
};
const result = await runWorkload(client, workload, {
  chunk,
  maxOutstanding: chunk * 5,
});
console.log(JSON.stringify({ client: "kafkajs", ...result }));
