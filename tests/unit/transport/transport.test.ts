/**
 * The runtime's own adapter (and node:net's, where the runtime offers it too) against local
 * servers: a slow reader forces partial writes, which must lose, duplicate and reorder nothing;
 * closing and failing connections are reported once. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { test } from "node:test";
import { ConnectionError } from "../../../src/errors.ts";
import { detectTransport, resolveTransport } from "../../../src/transport/detect.ts";
import type { Transport, TransportConnection } from "../../../src/transport/transport.ts";
import { startRelay } from "../../_lib/relay.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const transports: Transport[] = [detectTransport()];
if (transports[0].name !== "node") transports.push(resolveTransport("node"));

async function listen(
  onSocket: (socket: Socket) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const closeServer = (server: Server) => new Promise((resolve) => server.close(resolve));

for (const transport of transports) {
  test(
    `${transport.name} transport: 8 MiB through a slow relay arrive whole, with partial writes kept`,
    { timeout: UNIT_TIMEOUT_MS },
    async () => {
      // An echo server behind a relay that forwards 4 KiB at a time: the sender's socket fills up.
      const { server, port: echoPort } = await listen((socket) => {
        socket.on("data", (chunk) => socket.write(chunk));
        socket.on("error", () => {});
      });
      const relay = await startRelay({ host: "127.0.0.1", port: echoPort }, {
        maxChunk: 4096,
        delayMs: 0,
      });
      const data = Uint8Array.from({ length: 8 << 20 }, (_, i) => (i * 7 + (i >> 13)) & 0xff);
      const received: Uint8Array[] = [];
      let receivedBytes = 0;
      let done!: () => void;
      const allBack = new Promise<void>((resolve) => (done = resolve));
      const connection = await transport.connect({ host: "127.0.0.1", port: relay.port }, {
        onData(chunk) {
          received.push(chunk);
          receivedBytes += chunk.length;
          if (receivedBytes >= data.length) done();
        },
        onClose() {},
      });
      let retained = 0;
      for (let offset = 0; offset < data.length; offset += 256 * 1024) {
        // A request's chunks: a small header, bulk pieces, a small tail.
        const piece = data.subarray(offset, offset + 256 * 1024);
        connection.write([
          piece.subarray(0, 10),
          piece.subarray(10, 100_000),
          piece.subarray(100_000),
        ]);
        if (connection.pendingBytes > 0) retained++;
      }
      await connection.drained();
      assert.equal(connection.pendingBytes, 0);
      await allBack;
      connection.close();
      await relay.close();
      await closeServer(server);
      assert.ok(retained > 0, "the socket always took everything: no partial write was exercised");
      const joined = new Uint8Array(receivedBytes);
      let offset = 0;
      for (const chunk of received) {
        joined.set(chunk, offset);
        offset += chunk.length;
      }
      assert.equal(receivedBytes, data.length);
      assert.ok(joined.every((b, i) => b === data[i]), "bytes differ");
    },
  );

  test(`${transport.name} transport: many small writes arrive in order`, {
    timeout: UNIT_TIMEOUT_MS,
  }, async () => {
    const chunks: Uint8Array[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const { server, port } = await listen((socket) => {
      socket.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      socket.on("end", () => done());
    });
    const connection = await transport.connect({ host: "127.0.0.1", port }, {
      onData() {},
      onClose() {},
    });
    for (let i = 0; i < 5000; i++) connection.write([new TextEncoder().encode(`${i},`)]);
    await connection.drained();
    connection.close();
    await finished;
    await closeServer(server);
    const text = chunks.map((c) => new TextDecoder().decode(c)).join("");
    assert.equal(text, Array.from({ length: 5000 }, (_, i) => `${i},`).join(""));
  });

  test(
    `${transport.name} transport: a connection the peer destroys is reported once, with an error`,
    { timeout: UNIT_TIMEOUT_MS },
    async () => {
      const { server, port } = await listen((socket) => setTimeout(() => socket.destroy(), 20));
      const closes: (Error | undefined)[] = [];
      let closed!: () => void;
      const onClosed = new Promise<void>((resolve) => (closed = resolve));
      const connection: TransportConnection = await transport.connect({ host: "127.0.0.1", port }, {
        onData() {},
        onClose(error) {
          closes.push(error);
          closed();
        },
      });
      await onClosed;
      connection.write([new Uint8Array(10)]); // ignored after close
      connection.close();
      await connection.drained();
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(closes.length, 1);
      await closeServer(server);
    },
  );

  test(`${transport.name} transport: connecting to a closed port rejects with a ConnectionError`, {
    timeout: UNIT_TIMEOUT_MS,
  }, async () => {
    const { server, port } = await listen(() => {});
    await closeServer(server);
    await assert.rejects(
      transport.connect({ host: "127.0.0.1", port }, { onData() {}, onClose() {} }),
      ConnectionError,
    );
  });
}

test("relay: one-byte chunks arrive intact; pause stalls and resume releases", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const received: Uint8Array[] = [];
  const { server, port } = await listen((socket) =>
    socket.on("data", (c: Uint8Array) => received.push(c))
  );
  const relay = await startRelay({ host: "127.0.0.1", port }, { maxChunk: 1 });
  const connection = await detectTransport().connect({ host: "127.0.0.1", port: relay.port }, {
    onData() {},
    onClose() {},
  });
  connection.write([new TextEncoder().encode("hello relay")]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  relay.pause();
  connection.write([new TextEncoder().encode("!")]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const whilePaused = received.reduce((n, c) => n + c.length, 0);
  relay.resume();
  await new Promise((resolve) => setTimeout(resolve, 100));
  connection.close();
  await relay.close();
  await closeServer(server);
  assert.equal(whilePaused, "hello relay".length, "nothing passes while paused");
  assert.equal(received.map((c) => new TextDecoder().decode(c)).join(""), "hello relay!");
});
