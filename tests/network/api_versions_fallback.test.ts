/**
 * ApiVersions fallback against a fake broker (a real Kafka never refuses v3): the broker answers
 * UNSUPPORTED_VERSION in the v0 layout and the client retries at the version it names, or at v0
 * when it names none.
 */

import assert from "node:assert/strict";
import { Connection } from "../../src/network/connection.ts";
import { FrameDecoder } from "../../src/network/frame_decoder.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Reader, Writer } from "../../src/protocol/primitives.ts";
import { denoTransport } from "../../src/transport/deno.ts";

type Range = [key: number, min: number, max: number];

/** Serves one connection: refuses ApiVersions above `maxApiVersions`, else lists `apis`. */
async function fakeBroker(
  listener: Deno.Listener,
  maxApiVersions: number,
  advertiseOwnRange: boolean,
  apis: Range[],
  seenVersions: number[],
): Promise<void> {
  const conn = await listener.accept();
  const decoder = new FrameDecoder(1 << 20);
  const buffer = new Uint8Array(4096);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return;
      for (const frame of decoder.push(buffer.slice(0, n))) {
        const header = new Reader(frame);
        const apiKey = header.int16();
        const version = header.int16();
        const correlationId = header.int32();
        assert.equal(apiKey, 18);
        seenVersions.push(version);
        const w = new Writer().int32(0).int32(correlationId);
        if (version > maxApiVersions) {
          w.int16(35).array(
            advertiseOwnRange ? [[18, 0, maxApiVersions]] : [],
            false,
            (w, [k, lo, hi]) => w.int16(k).int16(lo).int16(hi),
          );
        } else {
          w.int16(0).array(apis, false, (w, [k, lo, hi]) => w.int16(k).int16(lo).int16(hi));
          if (version >= 1) w.int32(0);
        }
        w.patchInt32(0, w.length - 4);
        await conn.write(w.bytes());
      }
    }
  } catch {
    // the client closed the connection
  } finally {
    conn.close();
  }
}

async function negotiate(maxApiVersions: number, advertiseOwnRange: boolean) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: number[] = [];
  const served = fakeBroker(
    listener,
    maxApiVersions,
    advertiseOwnRange,
    [[18, 0, 2], [3, 4, 12]],
    seen,
  );
  const connection = await Connection.open(denoTransport, {
    host: "127.0.0.1",
    port: listener.addr.port,
  }, {
    clientId: "fallback-test",
    requestTimeoutMs: 5_000,
    maxResponseSize: 1 << 20,
    softwareName: "kafka-edge-tests",
    softwareVersion: "0",
  });
  const metadataVersion = connection.versionOf(Metadata);
  connection.close();
  await served;
  listener.close();
  return { seen, metadataVersion };
}

Deno.test("ApiVersions falls back to the version the broker names", async () => {
  const { seen, metadataVersion } = await negotiate(2, true);
  assert.deepEqual(seen, [3, 2]);
  assert.equal(metadataVersion, 12);
});

Deno.test("ApiVersions falls back to v0 when the broker names no version", async () => {
  const { seen, metadataVersion } = await negotiate(0, false);
  assert.deepEqual(seen, [3, 0]);
  assert.equal(metadataVersion, 12);
});
