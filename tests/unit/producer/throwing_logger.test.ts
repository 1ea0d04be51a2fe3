/**
 * A logger whose every method throws, and listeners that throw, change nothing: with no broker
 * reachable (a closed port), connection failures are logged through that logger and reported to
 * those listeners, and still the send ends as it should, with a TimeoutError after maxBlockMs, no
 * unhandled rejection, and close() resolves. (Before, the logger's exception escaped the connect
 * path as an unhandled rejection that ended a Deno process.)
 */

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { KafkaProducer, type Logger, TimeoutError } from "../../../mod.ts";
import { closedPort } from "../../_lib/closed_port.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

test("a logger and listeners that always throw: the send still ends in a TimeoutError", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  let calls = 0;
  const fail = () => {
    calls++;
    throw new Error("logger bug");
  };
  const logger: Logger = { debug: fail, info: fail, warn: fail, error: fail };
  const producer = new KafkaProducer({
    bootstrapServers: [`127.0.0.1:${await closedPort()}`],
    logger,
    maxBlockMs: 1_500,
    reconnectBackoffMs: 20,
    reconnectBackoffMaxMs: 100,
  });
  for (const event of ["connect", "disconnect", "request", "batch", "retry", "error"] as const) {
    producer.on(event, () => {
      throw new Error(`${event} listener bug`);
    });
  }
  try {
    await assert.rejects(producer.send({ topic: "t", value: "v" }), TimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let stray rejections surface
    assert.ok(calls > 0, "the logger was called");
    assert.deepEqual(unhandled, []);
  } finally {
    await producer.close();
    process.off("unhandledRejection", onUnhandled);
  }
});
