/**
 * ApiVersions fallback against a fake broker (a real Kafka never refuses v3): the broker answers
 * UNSUPPORTED_VERSION in the v0 layout and the client retries at the version it names, or at v0
 * when it names none.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { type AddressInfo, createServer, type Server } from "node:net";
import { Connection } from "../../../src/client/connection.ts";
import { FrameDecoder } from "../../../src/protocol/frame_decoder.ts";
import { Metadata } from "../../../src/protocol/messages/metadata.ts";
import { Reader, Writer } from "../../../src/protocol/primitives.ts";
import { detectTransport } from "../../../src/transport/detect.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

type Range = [key: number, min: number, max: number];

/**
 * A one-connection broker that refuses ApiVersions above `maxApiVersions` (naming its own range
 * only if `advertiseOwnRange`), else lists `apis`. Records the versions it was asked for.
 */
function fakeBroker(
  maxApiVersions: number,
  advertiseOwnRange: boolean,
  apis: Range[],
  seen: number[],
) {
  const writeRanges = (w: Writer, ranges: Range[]) =>
    w.array(ranges, false, (w, [key, min, max]) => w.int16(key).int16(min).int16(max));
  const server = createServer((socket) => {
    const decoder = new FrameDecoder(1 << 20);
    socket.on("data", (chunk: Uint8Array) => {
      for (const frame of decoder.push(chunk)) {
        const header = new Reader(frame);
        assert.equal(header.int16(), 18, "only ApiVersions is expected");
        const version = header.int16();
        const correlationId = header.int32();
        seen.push(version);
        const w = new Writer().int32(0).int32(correlationId);
        if (version > maxApiVersions) {
          writeRanges(w.int16(35), advertiseOwnRange ? [[18, 0, maxApiVersions]] : []);
        } else {
          writeRanges(w.int16(0), apis);
          if (version >= 1) w.int32(0);
        }
        w.patchInt32(0, w.length - 4);
        socket.write(w.bytes());
      }
    });
    socket.on("error", () => {});
  });
  return new Promise<Server>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function negotiate(maxApiVersions: number, advertiseOwnRange: boolean) {
  const seen: number[] = [];
  const server = await fakeBroker(
    maxApiVersions,
    advertiseOwnRange,
    [[18, 0, 2], [3, 4, 12]],
    seen,
  );
  const { port } = server.address() as AddressInfo;
  const connection = await Connection.open(detectTransport(), { host: "127.0.0.1", port }, {
    clientId: "fallback-test",
    requestTimeoutMs: 5_000,
    maxResponseSize: 1 << 20,
    softwareName: "kafka-edge-tests",
    softwareVersion: "0",
  });
  const metadataVersion = connection.versionOf(Metadata);
  connection.close();
  await new Promise((resolve) => server.close(resolve));
  return { seen, metadataVersion };
}

test(
  "ApiVersions falls back to the version the broker names",
  { timeout: UNIT_TIMEOUT_MS },
  async () => {
    const { seen, metadataVersion } = await negotiate(2, true);
    assert.deepEqual(seen, [3, 2]);
    assert.equal(metadataVersion, 12);
  },
);

test(
  "ApiVersions falls back to v0 when the broker names no version",
  { timeout: UNIT_TIMEOUT_MS },
  async () => {
    const { seen, metadataVersion } = await negotiate(0, false);
    assert.deepEqual(seen, [3, 0]);
    assert.equal(metadataVersion, 12);
  },
);
