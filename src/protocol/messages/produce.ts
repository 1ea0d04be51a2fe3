/**
 * Produce (key 0): record batches for topic partitions. v3 is the first with RecordBatch v2 and
 * the oldest a Kafka 4 broker accepts; v9+ is flexible; v10+ answers NOT_LEADER_OR_FOLLOWER with
 * the new leader in tagged fields (KIP-951). v13 names topics by id and is not spoken here.
 * With acks 0 the broker sends no response at all.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/**
 * Records for one partition: an encoded RecordBatch (or several, concatenated). The request frame
 * refers to these bytes rather than copying them: see encodeRequestFrame.
 */
export interface PartitionProduceData {
  partition: number;
  records: Uint8Array;
}

/** Records for one topic. */
export interface TopicProduceData {
  topic: string;
  partitions: readonly PartitionProduceData[];
}

/** Produce request body. */
export interface ProduceRequest {
  transactionalId: string | null;
  /** 0, 1 or -1 (all in-sync replicas). */
  acks: number;
  timeoutMs: number;
  topics: readonly TopicProduceData[];
}

/** A record the broker refused, by its index in the batch (v8+). */
export interface RecordError {
  batchIndex: number;
  message: string | null;
}

/** The leader the broker points to after NOT_LEADER_OR_FOLLOWER (v10+). */
export interface CurrentLeader {
  leaderId: number;
  leaderEpoch: number;
}

/** Outcome for one partition. */
export interface PartitionProduceResponse {
  partition: number;
  errorCode: number;
  baseOffset: bigint;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: RecordError[];
  errorMessage: string | null;
  currentLeader: CurrentLeader | null;
}

/** A broker the response names as a new leader (v10+). */
export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** Produce response body. */
export interface ProduceResponse {
  topics: { topic: string; partitions: PartitionProduceResponse[] }[];
  throttleTimeMs: number;
  nodeEndpoints: NodeEndpoint[];
}

const FIRST_FLEXIBLE = 9;
const CURRENT_LEADER_TAG = 0;
const NODE_ENDPOINTS_TAG = 0;

function readPartition(p: Reader, version: number, flexible: boolean): PartitionProduceResponse {
  const partition = p.int32();
  const errorCode = p.int16();
  const baseOffset = p.int64();
  const logAppendTimeMs = version >= 2 ? p.int64() : -1n;
  const logStartOffset = version >= 5 ? p.int64() : -1n;
  let recordErrors: RecordError[] = [];
  let errorMessage: string | null = null;
  if (version >= 8) {
    recordErrors = p.array(flexible, (e): RecordError => {
      const error = { batchIndex: e.int32(), message: e.nullableStr(flexible) };
      if (flexible) e.taggedFields();
      return error;
    }, 5);
    errorMessage = p.nullableStr(flexible);
  }
  let currentLeader: CurrentLeader | null = null;
  if (flexible) {
    p.taggedFields((tag, field) => {
      if (tag === CURRENT_LEADER_TAG && version >= 10) {
        currentLeader = { leaderId: field.int32(), leaderEpoch: field.int32() };
        field.taggedFields();
      }
    });
  }
  return {
    partition,
    errorCode,
    baseOffset,
    logAppendTimeMs,
    logStartOffset,
    recordErrors,
    errorMessage,
    currentLeader,
  };
}

/** Produce v3–v12. */
export const Produce: Api<ProduceRequest, ProduceResponse> = {
  name: "Produce",
  key: 0,
  minVersion: 3,
  maxVersion: 12,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: ProduceRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    if (flexible) w.compactString(request.transactionalId);
    else w.string(request.transactionalId);
    w.int16(request.acks).int32(request.timeoutMs);
    w.array(request.topics, flexible, (w, topic) => {
      if (flexible) w.compactString(topic.topic);
      else w.string(topic.topic);
      w.array(topic.partitions, flexible, (w, p) => {
        w.int32(p.partition);
        // The batches go to the socket as they are, not copied into the frame.
        if (flexible) w.compactBytes(p.records, true);
        else w.bytesField(p.records, true);
        if (flexible) w.emptyTaggedFields();
      });
      if (flexible) w.emptyTaggedFields();
    });
    if (flexible) w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): ProduceResponse {
    const flexible = version >= FIRST_FLEXIBLE;
    const topics = r.array(flexible, (t) => {
      const topic = t.str(flexible);
      const partitions = t.array(flexible, (p) => readPartition(p, version, flexible), 14);
      if (flexible) t.taggedFields();
      return { topic, partitions };
    }, 5);
    const throttleTimeMs = r.int32();
    const nodeEndpoints: NodeEndpoint[] = [];
    if (flexible) {
      r.taggedFields((tag, field) => {
        if (tag !== NODE_ENDPOINTS_TAG || version < 10) return;
        field.array(true, (n) => {
          const endpoint = {
            nodeId: n.int32(),
            host: n.compactString(),
            port: n.int32(),
            rack: n.compactNullableString(),
          };
          n.taggedFields();
          nodeEndpoints.push(endpoint);
        }, 10);
      });
    }
    return { topics, throttleTimeMs, nodeEndpoints };
  },
};
