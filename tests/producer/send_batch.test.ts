/**
 * sendBatch() on the real broker: arrays, generators and async generators; the metadata in
 * input order matching kcat; backpressure (the input is pulled only as memory allows); and the
 * SendBatchError that lists each record's outcome. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AbortError,
  InvalidRecordError,
  KafkaProducer,
  type ProducerRecord,
  SendBatchError,
} from "../../mod.ts";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

test("an async generator's records: metadata in input order, as kcat reads them", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("send-batch");
  await createTopic(topic, 3);
  const producer = new KafkaProducer({ bootstrapServers: bootstrapServers(), lingerMs: 5 });
  const count = 3000;
  async function* records(): AsyncGenerator<ProducerRecord> {
    for (let i = 0; i < count; i++) {
      if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      yield { topic, key: `k${i % 11}`, value: `v${i}` };
    }
  }
  try {
    const metas = await producer.sendBatch(records());
    assert.equal(metas.length, count);
    const read = await readTopic(topic);
    const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r.value]));
    metas.forEach((m, i) => assert.equal(byPosition.get(`${m.partition}/${m.offset}`), `v${i}`));
    // A plain array works too.
    const more = await producer.sendBatch([{ topic, value: "x" }, { topic, value: "y" }]);
    assert.equal(more.length, 2);
  } finally {
    await producer.close();
  }
});

test(
  "the input is pulled only as fast as buffer memory allows",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("send-batch-backpressure");
    await createTopic(topic, 1);
    const bufferMemory = 64 * 1024;
    const producer = new KafkaProducer({
      bootstrapServers: bootstrapServers(),
      bufferMemory,
      batchSize: 16 * 1024,
    });
    const value = "z".repeat(1000);
    const count = 2000; // ~2 MB: 30 times the buffer memory
    let pulled = 0;
    let mostAhead = 0;
    let acknowledged = 0;
    producer.on("batch", (e) => (acknowledged += e.recordCount));
    function* records(): Generator<ProducerRecord> {
      for (; pulled < count;) {
        pulled++;
        mostAhead = Math.max(mostAhead, pulled - acknowledged);
        yield { topic, value };
      }
    }
    try {
      const metas = await producer.sendBatch(records());
      assert.equal(metas.length, count);
      // Never more records taken than fit in memory, plus the one waiting for room.
      const fit = Math.ceil(bufferMemory / 1000);
      assert.ok(mostAhead <= fit + 1, `${mostAhead} records were taken ahead of acknowledgements`);
      assert.ok(producer.metrics()["bufferpool-wait-time-ns-total"] > 0);
    } finally {
      await producer.close();
    }
    assert.equal((await readTopic(topic)).length, count);
  },
);

test(
  "failures are reported per record; the rest is still sent",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("send-batch-errors");
    await createTopic(topic, 1);
    const producer = new KafkaProducer({ bootstrapServers: bootstrapServers() });
    try {
      const error = await producer.sendBatch([
        { topic, value: "a" },
        { topic, value: 42 as unknown as string }, // not a string nor bytes
        { topic, value: "c" },
      ]).then(() => null, (e) => e);
      assert.ok(error instanceof SendBatchError);
      assert.equal(error.failedCount, 1);
      assert.equal(error.results.length, 3);
      assert.ok(error.results[1] instanceof InvalidRecordError);
      assert.ok(!(error.results[0] instanceof Error) && !(error.results[2] instanceof Error));
      assert.equal(error.cause, error.results[1]);

      // An iterable that throws: the records taken so far are sent, then its error rejects.
      const broken = function* (): Generator<ProducerRecord> {
        yield { topic, value: "d" };
        throw new Error("source failed");
      };
      await assert.rejects(producer.sendBatch(broken()), /source failed/);

      // Aborted: the input stops being read; what was taken is still delivered.
      const controller = new AbortController();
      const endless = function* (): Generator<ProducerRecord> {
        for (let i = 0;; i++) {
          if (i === 3) controller.abort();
          yield { topic, value: `e${i}` };
        }
      };
      const aborted = await producer.sendBatch(endless(), { signal: controller.signal })
        .then(() => null, (e) => e);
      assert.ok(aborted instanceof SendBatchError);
      assert.equal(aborted.failedCount, 0);
      assert.equal(aborted.results.length, 3);
      assert.ok(!(aborted.cause instanceof AbortError));
    } finally {
      await producer.close();
    }
    const values = (await readTopic(topic)).map((r) => r.value);
    assert.deepEqual(values, ["a", "c", "d", "e0", "e1", "e2"]);
  },
);
