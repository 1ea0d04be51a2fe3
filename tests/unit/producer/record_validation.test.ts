/**
 * Records from plain JavaScript are checked at run time: a wrong shape (kafkajs's
 * `send({ topic, messages })`), a field of the wrong type or a field a record does not have
 * rejects the send with InvalidRecordError naming the field, before anything is queued. No
 * broker: the producer points at a closed port and never gets that far.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRecordError, KafkaProducer } from "../../../mod.ts";
import { closedPort } from "../../_lib/closed_port.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

/** Wrong records, each with the words its error must contain. */
const WRONG: [unknown, RegExp][] = [
  [{ topic: "t", messages: [{ value: "a" }, { value: "b" }] }, /"messages".*sendBatch/],
  [{ topic: "t", value: "v", partiton: 1 }, /"partiton"/],
  [{ topic: "t" }, /needs a value/],
  [{ topic: "t", value: 42 }, /value must be a string, a Uint8Array or null, got 42/],
  [{ topic: "t", value: "v", key: { id: 1 } }, /key must be .* got an object/],
  [{ topic: "t", value: "v", headers: "h" }, /headers must be an object or an array/],
  [{ topic: "t", value: "v", headers: [["a", "1", "extra"]] }, /\[name, value\] pair/],
  [{ topic: "t", value: "v", headers: { a: 1 } }, /header "a" must be/],
  [{ topic: "t", value: "v", partition: "1" }, /partition must be a non-negative integer, got "1"/],
  [{ topic: "t", value: "v", timestamp: "2024-01-01" }, /timestamp must be .* got "2024-01-01"/],
  [{ topic: "t", value: "v", timestamp: -1 }, /timestamp must be a non-negative integer/],
  [[{ topic: "t", value: "v" }], /a record must be an object/],
  [{ value: "v" }, /invalid topic undefined/],
];

test("records of the wrong shape or type reject with InvalidRecordError naming the field", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const producer = new KafkaProducer({
    bootstrapServers: [`127.0.0.1:${await closedPort()}`],
    maxBlockMs: 1_000,
  });
  try {
    for (const [record, words] of WRONG) {
      await assert.rejects(
        // deno-lint-ignore no-explicit-any -- what a plain JavaScript caller may pass
        producer.send(record as any),
        (error: Error) => error instanceof InvalidRecordError && words.test(error.message),
        JSON.stringify(record),
      );
    }
  } finally {
    await producer.close();
  }
});
