/** Records/s through RecordBatch v2 encoding: 100-byte values, 16 KiB batches, CRC included. */
import { RecordBatchWriter } from "../src/protocol/record_batch.ts";

const value = new Uint8Array(100).fill(0x61);
const key = new TextEncoder().encode("key-000042");
const buffer = new Uint8Array(16384);

Deno.bench("encode a 16 KiB batch of 100-byte records", { group: "record batch" }, (b) => {
  b.start();
  const writer = new RecordBatchWriter(buffer);
  const now = Date.now();
  while (writer.tryAppend(now, key, value, [])) { /* fill the batch */ }
  writer.close();
  b.end();
});
