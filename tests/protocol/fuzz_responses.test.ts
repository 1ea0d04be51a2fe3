/**
 * Fuzzed responses: every response decoder, at every version this code and the broker share,
 * is fed random frames and many mutations (flipped bytes, cut frames, huge lengths) of real
 * responses captured from the broker. Only ProtocolError may come out: no other exception, no
 * hang, no allocation sized by a bogus length.
 */

import assert from "node:assert/strict";
import { createConnection, type Socket } from "node:net";
import { test } from "node:test";
import { ProtocolError } from "../../src/errors.ts";
import { parseEndpoint } from "../../src/client/bootstrap.ts";
import { FrameDecoder } from "../../src/protocol/frame_decoder.ts";
import type { Api } from "../../src/protocol/api.ts";
import { decodeResponseBody, encodeRequestFrame } from "../../src/protocol/header.ts";
import { AddOffsetsToTxn } from "../../src/protocol/messages/add_offsets_to_txn.ts";
import { AddPartitionsToTxn } from "../../src/protocol/messages/add_partitions_to_txn.ts";
import { ApiVersions } from "../../src/protocol/messages/api_versions.ts";
import { CreateTopics } from "../../src/protocol/messages/create_topics.ts";
import { EndTxn } from "../../src/protocol/messages/end_txn.ts";
import { FindCoordinator } from "../../src/protocol/messages/find_coordinator.ts";
import { InitProducerId } from "../../src/protocol/messages/init_producer_id.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { SaslAuthenticate } from "../../src/protocol/messages/sasl_authenticate.ts";
import { SaslHandshake } from "../../src/protocol/messages/sasl_handshake.ts";
import { TxnOffsetCommit } from "../../src/protocol/messages/txn_offset_commit.ts";
import { Reader } from "../../src/protocol/primitives.ts";
import { encodeRecordBatch } from "../../src/protocol/record_batch.ts";
import { bootstrapServers, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

/** A deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Sends requests on one raw socket and returns the response bodies (after the correlation id). */
class RawClient {
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder(64 << 20);
  readonly #waiting: ((frame: Uint8Array) => void)[] = [];
  #correlationId = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      for (const frame of this.#decoder.push(chunk)) this.#waiting.shift()!(frame.slice(4));
    });
  }

  static connect(): Promise<RawClient> {
    const { host, port } = parseEndpoint(bootstrapServers()[0]);
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host, port }, () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  request<Req>(api: Api<Req, unknown>, version: number, request: Req): Promise<Uint8Array> {
    const frame = encodeRequestFrame(api, version, this.#correlationId++, "fuzz", request);
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      for (const chunk of frame.chunks) this.#socket.write(chunk);
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** Feeds `body` and its mutations to the decoder; anything but success or ProtocolError fails. */
function fuzz(api: Api<unknown, unknown>, version: number, body: Uint8Array, next: () => number) {
  const check = (bytes: Uint8Array, what: string) => {
    try {
      decodeResponseBody(api, version, new Reader(bytes));
    } catch (error) {
      if (!(error instanceof ProtocolError)) {
        assert.fail(`${api.name} v${version} ${what}: ${error}`);
      }
    }
  };
  check(body, "as received"); // must decode, or at least fail cleanly
  for (let i = 0; i < 300; i++) {
    const mutated = body.slice();
    const flips = 1 + Math.floor(next() * 4);
    for (let f = 0; f < flips && mutated.length > 0; f++) {
      const at = Math.floor(next() * mutated.length);
      // Half the time a random byte, else 0xff/0x7f runs that make lengths and counts huge.
      mutated[at] = next() < 0.5 ? Math.floor(next() * 256) : (next() < 0.5 ? 0xff : 0x7f);
    }
    check(mutated, `mutation ${i}`);
    check(body.subarray(0, Math.floor(next() * body.length)), `cut ${i}`);
  }
  for (let i = 0; i < 100; i++) {
    check(
      Uint8Array.from({ length: Math.floor(next() * 256) }, () => Math.floor(next() * 256)),
      `random ${i}`,
    );
  }
}

test("response decoders survive random and mutated frames with ProtocolError only", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("fuzz");
  await createTopic(topic, 1);
  const client = await RawClient.connect();
  const next = random(20261125);
  try {
    const apiVersionsBody = await client.request(ApiVersions, 3, {
      clientSoftwareName: "fuzz",
      clientSoftwareVersion: "0",
    });
    const broker = ApiVersions.decodeResponse(new Reader(apiVersionsBody), 3).apiVersions;
    const records = encodeRecordBatch([{
      timestamp: 0,
      key: null,
      value: new Uint8Array(10),
      headers: [],
    }]);
    const ids = { transactionalId: "fuzz-unknown", producerId: 1n, producerEpoch: 0 };
    // A request per API; answers that are errors are still real frames to mutate.
    const requests: [Api<never, unknown>, (version: number) => unknown][] = [
      [ApiVersions, () => ({ clientSoftwareName: "fuzz", clientSoftwareVersion: "0" })],
      [Metadata, () => ({ topics: [topic], allowAutoTopicCreation: false })],
      [Produce, () => ({
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topics: [{ topic, partitions: [{ partition: 0, records }] }],
      })],
      [CreateTopics, (v) => ({
        topics: [{
          name: uniqueTopic(`fuzz-v${v}`),
          numPartitions: 1,
          replicationFactor: 1,
          configs: {},
        }],
        timeoutMs: 5000,
        validateOnly: true,
      })],
      [
        InitProducerId,
        () => ({
          transactionalId: null,
          transactionTimeoutMs: 60000,
          producerId: -1n,
          producerEpoch: -1,
        }),
      ],
      [FindCoordinator, () => ({ keyType: 0, keys: ["fuzz-group"] })],
      [AddPartitionsToTxn, () => ({ ...ids, topics: [{ name: topic, partitions: [0] }] })],
      [AddOffsetsToTxn, () => ({ ...ids, groupId: "fuzz-group" })],
      [TxnOffsetCommit, () => ({
        ...ids,
        groupId: "fuzz-group",
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1n }] }],
      })],
      [EndTxn, () => ({ ...ids, committed: true })],
      // On a PLAINTEXT listener the broker answers both with ILLEGAL_SASL_STATE: real frames.
      [SaslAuthenticate, () => ({ authBytes: new Uint8Array(8) })],
      [SaslHandshake, () => ({ mechanism: "PLAIN" })],
    ];
    let decoders = 0;
    for (const [api, request] of requests) {
      const range = broker.get(api.key)!;
      const newest = Math.min(api.maxVersion, range.maxVersion);
      for (let version = Math.max(api.minVersion, range.minVersion); version <= newest; version++) {
        const body = await client.request(api, version, request(version) as never);
        decodeResponseBody(api, version, new Reader(body)); // the real answer decodes whole
        fuzz(api, version, body, next);
        decoders++;
      }
    }
    assert.ok(decoders >= 50, `only ${decoders} decoder versions fuzzed`);
  } finally {
    client.close();
  }
});
