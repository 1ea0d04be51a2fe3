/**
 * Every bootstrap address dead (nothing listens): a send rejects once maxBlockMs has passed, with
 * a TimeoutError whose cause is the connection error and whose message says it (issue 14).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionError, KafkaProducer, TimeoutError } from "../../../mod.ts";
import { closedPort } from "../../_lib/dead_addresses.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

test(
  "a wholly dead bootstrap list: TimeoutError at maxBlockMs with the connection error as cause",
  {
    timeout: UNIT_TIMEOUT_MS,
  },
  async () => {
    const ports = [await closedPort(), await closedPort()];
    const maxBlockMs = 1_500;
    const producer = new KafkaProducer({
      bootstrapServers: ports.map((port) => `127.0.0.1:${port}`),
      maxBlockMs,
    });
    const started = Date.now();
    try {
      await assert.rejects(producer.send({ topic: "t", value: "v" }), (error: Error) => {
        assert.ok(error instanceof TimeoutError, `${error}`);
        assert.ok(error.cause instanceof ConnectionError, `cause: ${error.cause}`);
        assert.match(error.message, /maxBlockMs; last error: cannot connect to 127\.0\.0\.1:\d+/);
        return true;
      });
      assert.ok(Date.now() - started >= maxBlockMs - 50, "rejected before maxBlockMs");
    } finally {
      await producer.close();
    }
  },
);
