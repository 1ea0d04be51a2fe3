/**
 * The fault proxy's codec (tests/_lib/wire_codec.ts) against the client's own: at every version
 * the client speaks, a request the client encodes decodes and re-encodes to the same bytes, and a
 * response the proxy encodes is what the client's decoder reads. No broker.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Api } from "../../../src/protocol/api.ts";
import {
  decodeResponseBody,
  encodeRequestFrame as encodeRequestChunks,
  readResponseHeader,
} from "../../../src/protocol/header.ts";
import { AddOffsetsToTxn } from "../../../src/protocol/messages/add_offsets_to_txn.ts";
import { AddPartitionsToTxn } from "../../../src/protocol/messages/add_partitions_to_txn.ts";
import { ApiVersions } from "../../../src/protocol/messages/api_versions.ts";
import { EndTxn } from "../../../src/protocol/messages/end_txn.ts";
import { FindCoordinator } from "../../../src/protocol/messages/find_coordinator.ts";
import { InitProducerId } from "../../../src/protocol/messages/init_producer_id.ts";
import { Metadata } from "../../../src/protocol/messages/metadata.ts";
import { Produce } from "../../../src/protocol/messages/produce.ts";
import { SaslAuthenticate } from "../../../src/protocol/messages/sasl_authenticate.ts";
import { TxnOffsetCommit } from "../../../src/protocol/messages/txn_offset_commit.ts";
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type Struct,
} from "../../_lib/wire_codec.ts";
import { type ApiName, SCHEMAS } from "../../_lib/wire_schemas.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

/** A request frame as one array (the client hands its chunks to the transport). */
function encodeRequestFrame<Req>(
  api: Api<Req, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  request: Req,
): Uint8Array {
  const { chunks, length } = encodeRequestChunks(api, version, correlationId, clientId, request);
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

const records = Uint8Array.from({ length: 70 }, (_, i) => i);

/** A request of each API, as the client builds it (the client's request types). */
const requests: { api: Api<unknown, unknown>; request: unknown }[] = [
  {
    api: Produce as Api<unknown, unknown>,
    request: {
      transactionalId: "tx",
      acks: -1,
      timeoutMs: 30_000,
      topics: [{ topic: "t", partitions: [{ partition: 0, records }, { partition: 3, records }] }],
    },
  },
  {
    api: Metadata as Api<unknown, unknown>,
    request: { topics: ["a", "b"], allowAutoTopicCreation: true },
  },
  {
    api: ApiVersions as Api<unknown, unknown>,
    request: { clientSoftwareName: "kafka-edge", clientSoftwareVersion: "0.1.0" },
  },
  {
    api: InitProducerId as Api<unknown, unknown>,
    request: {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: 7n,
      producerEpoch: 2,
    },
  },
  { api: FindCoordinator as Api<unknown, unknown>, request: { keyType: 0, keys: ["group"] } },
  {
    api: AddPartitionsToTxn as Api<unknown, unknown>,
    request: {
      transactionalId: "tx",
      producerId: 9n,
      producerEpoch: 1,
      topics: [{ name: "t", partitions: [0, 1] }],
    },
  },
  {
    api: AddOffsetsToTxn as Api<unknown, unknown>,
    request: { transactionalId: "tx", producerId: 9n, producerEpoch: 1, groupId: "g" },
  },
  {
    api: TxnOffsetCommit as Api<unknown, unknown>,
    request: {
      transactionalId: "tx",
      groupId: "g",
      producerId: 9n,
      producerEpoch: 1,
      topics: [{ name: "in", partitions: [{ partitionIndex: 2, committedOffset: 42n }] }],
    },
  },
  {
    api: EndTxn as Api<unknown, unknown>,
    request: { transactionalId: "tx", producerId: 9n, producerEpoch: 1, committed: true },
  },
  {
    api: SaslAuthenticate as Api<unknown, unknown>,
    request: { authBytes: records.subarray(0, 9) },
  },
];

function versions(api: Api<unknown, unknown>): number[] {
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);
}

test(
  "the proxy reads every client request at every version the client speaks, and writes it back unchanged",
  { timeout: UNIT_TIMEOUT_MS },
  () => {
    for (const { api, request } of requests) {
      const schema = SCHEMAS[api.name as ApiName];
      assert.ok(
        schema.minVersion <= api.minVersion && schema.maxVersion >= api.maxVersion,
        api.name,
      );
      assert.equal(schema.firstFlexibleVersion, api.firstFlexibleVersion, api.name);
      for (const version of versions(api)) {
        // FindCoordinator v0 finds only group coordinators, with one key: the request above fits.
        const frame = encodeRequestFrame(api, version, 1234, "client", request);
        const decoded = decodeRequest(frame.subarray(4));
        assert.equal(decoded.schema, schema, `${api.name} v${version}`);
        assert.equal(decoded.correlationId, 1234);
        assert.equal(decoded.clientId, "client");
        const again = encodeRequest(
          schema,
          version,
          1234,
          "client",
          decoded.body!,
          decoded.headerTags,
        );
        assert.deepEqual(again, frame, `${api.name} v${version} re-encoded`);
      }
    }
  },
);

test("request bodies decode to Kafka's field names", { timeout: UNIT_TIMEOUT_MS }, () => {
  const frame = encodeRequestFrame(Produce, 9, 1, null, requests[0].request as never);
  const body = decodeRequest(frame.subarray(4)).body!;
  assert.equal(body.transactionalId, "tx");
  assert.equal(body.acks, -1);
  const topic = (body.topicData as Struct[])[0];
  assert.equal(topic.name, "t");
  assert.deepEqual((topic.partitionData as Struct[]).map((p) => p.index), [0, 3]);
  assert.deepEqual((topic.partitionData as Struct[])[1].records, records);
  const metadata = decodeRequest(
    encodeRequestFrame(Metadata, 12, 1, null, { topics: null, allowAutoTopicCreation: false })
      .subarray(4),
  ).body!;
  assert.equal(metadata.topics, null, "a null topic list (every topic) stays null");
});

/** A response of each API with every field set, in the proxy's field names. */
const responses: Record<string, Struct> = {
  Produce: {
    responses: [{
      name: "t",
      partitionResponses: [{
        index: 3,
        errorCode: 6,
        baseOffset: 100n,
        logAppendTimeMs: 5n,
        logStartOffset: 2n,
        recordErrors: [{ batchIndex: 1, batchIndexErrorMessage: "bad" }],
        errorMessage: "moved",
        currentLeader: { leaderId: 2, leaderEpoch: 9 },
      }],
    }],
    throttleTimeMs: 11,
    nodeEndpoints: [{ nodeId: 2, host: "h2", port: 9093, rack: null }],
  },
  Metadata: {
    throttleTimeMs: 1,
    brokers: [{ nodeId: 1, host: "h1", port: 9092, rack: "r" }],
    clusterId: "c",
    controllerId: 1,
    topics: [{
      errorCode: 0,
      name: "t",
      topicId: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
      isInternal: false,
      partitions: [{
        errorCode: 9,
        partitionIndex: 0,
        leaderId: 1,
        leaderEpoch: 4,
        replicaNodes: [1, 2],
        isrNodes: [1],
        offlineReplicas: [2],
      }],
      topicAuthorizedOperations: 0,
    }],
    clusterAuthorizedOperations: 0,
    errorCode: 0,
  },
  ApiVersions: {
    errorCode: 0,
    apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 12 }, {
      apiKey: 18,
      minVersion: 0,
      maxVersion: 4,
    }],
    throttleTimeMs: 0,
    finalizedFeaturesEpoch: 7n,
  },
  InitProducerId: { throttleTimeMs: 0, errorCode: 0, producerId: 77n, producerEpoch: 3 },
  FindCoordinator: {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    nodeId: 4,
    host: "h4",
    port: 9094,
    coordinators: [{
      key: "group",
      nodeId: 4,
      host: "h4",
      port: 9094,
      errorCode: 0,
      errorMessage: null,
    }],
  },
  AddPartitionsToTxn: {
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: [{
      name: "t",
      resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }, {
        partitionIndex: 1,
        partitionErrorCode: 53,
      }],
    }],
  },
  AddOffsetsToTxn: { throttleTimeMs: 0, errorCode: 51 },
  TxnOffsetCommit: {
    throttleTimeMs: 0,
    topics: [{ name: "in", partitions: [{ partitionIndex: 2, errorCode: 22 }] }],
  },
  EndTxn: { throttleTimeMs: 0, errorCode: 48, producerId: 77n, producerEpoch: 4 },
  SaslAuthenticate: {
    errorCode: 58,
    errorMessage: "no",
    authBytes: Uint8Array.of(1, 2),
    sessionLifetimeMs: 3600n,
  },
};

/** The error codes the client's decoder saw, wherever its response type keeps them. */
function clientErrors(name: string, decoded: Record<string, unknown>): number[] {
  switch (name) {
    case "Produce":
      return (decoded as { topics: { partitions: { errorCode: number }[] }[] }).topics
        .flatMap((t) => t.partitions.map((p) => p.errorCode));
    case "Metadata": {
      const m = decoded as { topics: { errorCode: number; partitions: { errorCode: number }[] }[] };
      return m.topics.flatMap((t) => [t.errorCode, ...t.partitions.map((p) => p.errorCode)]);
    }
    case "FindCoordinator":
      return (decoded as { coordinators: { errorCode: number }[] }).coordinators.map((c) =>
        c.errorCode
      );
    case "AddPartitionsToTxn":
      return (decoded as { results: { partitions: { errorCode: number }[] }[] }).results
        .flatMap((t) => t.partitions.map((p) => p.errorCode));
    case "TxnOffsetCommit":
      return (decoded as { topics: { partitions: { errorCode: number }[] }[] }).topics
        .flatMap((t) => t.partitions.map((p) => p.errorCode));
    default:
      return [(decoded as { errorCode: number }).errorCode];
  }
}

test("responses the proxy writes are what the client's decoders read, at every version", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  for (const { api } of requests) {
    const schema = SCHEMAS[api.name as ApiName];
    for (const version of versions(api)) {
      const body = responses[api.name];
      const frame = encodeResponse(schema, version, 99, body);
      const header = readResponseHeader(frame.subarray(4));
      assert.equal(header.correlationId, 99);
      // decodeResponseBody reads response header v1's tagged fields itself.
      const decoded = decodeResponseBody(api, version, header.body) as Record<string, unknown>;
      const expected: Record<string, number[]> = {
        Produce: [6],
        Metadata: [0, 9],
        FindCoordinator: [0],
        AddPartitionsToTxn: [0, 53],
        TxnOffsetCommit: [22],
      };
      assert.deepEqual(
        clientErrors(api.name, decoded),
        expected[api.name] ?? [body.errorCode as number],
        `${api.name} v${version}`,
      );
      // And the proxy reads back what it wrote, byte for byte.
      const mine = decodeResponse(schema, version, frame.subarray(4));
      assert.deepEqual(encodeResponse(schema, version, 99, mine.body), frame);
    }
  }
});

test("addresses and tagged fields survive: Produce's new-leader endpoint, Metadata's brokers", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const produce = encodeResponse(SCHEMAS.Produce, 10, 1, responses.Produce);
  const header = readResponseHeader(produce.subarray(4));
  const decoded = decodeResponseBody(Produce, 10, header.body);
  assert.deepEqual(decoded.nodeEndpoints, [{ nodeId: 2, host: "h2", port: 9093, rack: null }]);
  assert.deepEqual(decoded.topics[0].partitions[0].currentLeader, { leaderId: 2, leaderEpoch: 9 });
  const metadata = encodeResponse(SCHEMAS.Metadata, 12, 1, responses.Metadata);
  const m = readResponseHeader(metadata.subarray(4));
  assert.deepEqual(decodeResponseBody(Metadata, 12, m.body).brokers, [
    { nodeId: 1, host: "h1", port: 9092, rack: "r" },
  ]);
});

test("unknown tagged fields are kept, in tag order, when a response is rewritten", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const body: Struct = { ...responses.InitProducerId, $tags: [[5, Uint8Array.of(1, 2, 3)]] };
  const frame = encodeResponse(SCHEMAS.InitProducerId, 4, 1, body, [[0, Uint8Array.of(9)]]);
  const decoded = decodeResponse(SCHEMAS.InitProducerId, 4, frame.subarray(4));
  assert.deepEqual(decoded.body.$tags, [[5, Uint8Array.of(1, 2, 3)]]);
  assert.deepEqual(decoded.headerTags, [[0, Uint8Array.of(9)]]);
  decoded.body.errorCode = 47;
  const rewritten = encodeResponse(SCHEMAS.InitProducerId, 4, 1, decoded.body, decoded.headerTags);
  const again = decodeResponse(SCHEMAS.InitProducerId, 4, rewritten.subarray(4));
  assert.equal(again.body.errorCode, 47);
  assert.deepEqual(again.body.$tags, [[5, Uint8Array.of(1, 2, 3)]]);
  // Known tags and unknown ones interleave by tag number.
  const features: Struct = {
    ...responses.ApiVersions,
    $tags: [[0, Uint8Array.of(1)], [9, Uint8Array.of(2)]],
  };
  delete features.finalizedFeaturesEpoch;
  const withBoth = decodeResponse(
    SCHEMAS.ApiVersions,
    3,
    encodeResponse(SCHEMAS.ApiVersions, 3, 1, { ...features, finalizedFeaturesEpoch: 4n }).subarray(
      4,
    ),
  );
  assert.equal(withBoth.body.finalizedFeaturesEpoch, 4n);
  assert.deepEqual(withBoth.body.$tags?.map(([tag]) => tag), [9], "tag 0 is a known field");
});

test("ApiVersions UNSUPPORTED_VERSION is read and written in the v0 layout, as brokers send it", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const v0 = encodeResponse(SCHEMAS.ApiVersions, 0, 5, {
    errorCode: 35,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }],
  });
  const decoded = decodeResponse(SCHEMAS.ApiVersions, 3, v0.subarray(4));
  assert.equal(decoded.layoutVersion, 0);
  assert.deepEqual(encodeResponse(SCHEMAS.ApiVersions, 3, 5, decoded.body, [], 0), v0);
  const client = decodeResponseBody(ApiVersions, 3, readResponseHeader(v0.subarray(4)).body);
  assert.deepEqual(client.apiVersions.get(18), { minVersion: 0, maxVersion: 2 });
});

test("a corrupt frame is refused, not misread", { timeout: UNIT_TIMEOUT_MS }, () => {
  const frame = encodeRequestFrame(EndTxn, 3, 1, null, requests[8].request as never);
  assert.throws(() => decodeRequest(frame.subarray(4, frame.length - 1)));
  assert.throws(() => decodeRequest(Uint8Array.of(...frame.subarray(4), 0)), /trailing/);
  const unknownApi = decodeRequest(Uint8Array.of(0, 60, 0, 1, 0, 0, 0, 7, 255, 255, 1, 2));
  assert.equal(unknownApi.schema, undefined);
  assert.equal(unknownApi.correlationId, 7);
  assert.deepEqual(unknownApi.rawBody, Uint8Array.of(1, 2));
});
