/**
 * A socket that reports its closing from inside `write` (Bun's `socket.write` returns -1 at
 * once on a closed socket): the request being written must reject at once, like those already
 * in flight, instead of waiting for a response that cannot come.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionError } from "../../src/errors.ts";
import { parseEndpoint } from "../../src/client/bootstrap.ts";
import { Connection } from "../../src/client/connection.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import type { Transport } from "../../src/transport/transport.ts";
import { bootstrapServers } from "../_lib/kafka.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

test("a write that finds the socket closed rejects its request at once", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const inner = detectTransport();
  let breakOnWrite = false;
  const transport: Transport = {
    name: "closes on write",
    async connect(endpoint, events) {
      const connection = await inner.connect(endpoint, events);
      return {
        get pendingBytes() {
          return connection.pendingBytes;
        },
        write(chunks) {
          if (!breakOnWrite) return connection.write(chunks);
          connection.close();
          events.onClose(new Error("socket closed while writing"));
        },
        drained: () => connection.drained(),
        close: () => connection.close(),
      };
    },
  };
  const connection = await Connection.open(transport, parseEndpoint(bootstrapServers()[0]), {
    clientId: "test",
    requestTimeoutMs: 60_000,
    maxResponseSize: 1 << 20,
    softwareName: "test",
    softwareVersion: "0",
  });
  breakOnWrite = true;
  const started = Date.now();
  await assert.rejects(
    connection.request(Metadata, { topics: [], allowAutoTopicCreation: false }),
    ConnectionError,
  );
  assert.ok(Date.now() - started < 5000, "the request waited for a response that cannot come");
  assert.equal(connection.isOpen, false);
});
