/**
 * bench/compare driver for kafkajs (Node 22, type stripping). kafkajs has no linger: its batching
 * is the array of messages given to one `send()` (`--chunk` records, spread round-robin over the
 * partitions). With idempotence it is given `maxInFlightRequests: 1`, which kafkajs needs for
 * ordered idempotent sends; otherwise its default (no limit). LZ4 is not built in: the codec
 * below uses lz4-napi's frame format (what Kafka expects). Arguments: see _workload.ts.
 */

import { Buffer } from "node:buffer";
import kafkajs from "kafkajs";
import { compressFrame, decompressFrame } from "lz4-napi";
import { type BenchClient, parseWorkload, runWorkload } from "./_workload.ts";

const { CompressionCodecs, CompressionTypes, Kafka, logLevel, Partitioners } = kafkajs;
const workload = parseWorkload();
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: (encoder: { buffer: Buffer }) => compressFrame(encoder.buffer),
  decompress: (buffer: Buffer) => decompressFrame(buffer),
});

const idempotent = workload.idempotence ?? false;
const kafka = new Kafka({
  clientId: "compare",
  brokers: workload.bootstrap,
  logLevel: logLevel.NOTHING,
});
const producer = kafka.producer({
  idempotent,
  ...(idempotent ? { maxInFlightRequests: 1 } : {}),
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
});
await producer.connect();

const { topic } = workload;
const values = workload.payload.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length));
const acks = workload.acks === "all" ? -1 : 1;
const compression = workload.compression === "lz4" ? CompressionTypes.LZ4 : CompressionTypes.None;

const client: BenchClient = {
  submit(first, count, acked) {
    const messages = new Array(count);
    for (let i = 0; i < count; i++) {
      messages[i] = { value: values[(first + i) % values.length] };
    }
    producer.send({ topic, acks, compression, messages }).then(
      () => acked(count),
      (e) => acked(count, e),
    );
  },
  close: () => producer.disconnect(),
};
const settings = `idempotent ${idempotent}${idempotent ? ", maxInFlightRequests 1" : ""}, ` +
  `${workload.chunk} records per send()`;
const result = await runWorkload(client, workload, settings);
console.log(JSON.stringify({ client: "kafkajs", ...result }));
