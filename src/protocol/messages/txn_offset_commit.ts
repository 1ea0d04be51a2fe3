/**
 * TxnOffsetCommit (key 28): offsets of consumed records, committed to the group coordinator as
 * part of a transaction (they become visible when the transaction commits). v2 adds each
 * partition's committed leader epoch; v3+ is flexible and carries the consumer's generation (or
 * member epoch), member id and group instance id, so that the group coordinator can fence zombie
 * consumers (KIP-447); a producer outside any group sends -1, "" and null. v4 may answer
 * TRANSACTION_ABORTABLE (KIP-890).
 *
 * v5 has v4's layout but belongs to transaction protocol v2 (KIP-890 part 2): it also does the
 * work of AddOffsetsToTxn, and a client that does not use transaction.version 2 must not send it
 * ("the client can't use TxnOffsetCommit request version higher than 4 within a transaction").
 * Kafka 4.4 also speaks v6 (KIP-1319), which names topics by id instead of by name; it is not
 * spoken here, so v5 is the newest version.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";
import { readTopicPartitionErrors, type TopicPartitionErrors } from "./topic_partition_errors.ts";

/** An offset to commit for one partition. */
export interface TxnOffsetCommitPartition {
  partitionIndex: number;
  /** The next offset to consume. */
  committedOffset: bigint;
  /** Leader epoch of the last consumed record (v2+); -1 when unknown (the default). */
  committedLeaderEpoch?: number;
  /** Free-form metadata kept with the offset; null by default. */
  committedMetadata?: string | null;
}

/** Offsets for one topic. */
export interface TxnOffsetCommitTopic {
  name: string;
  partitions: readonly TxnOffsetCommitPartition[];
}

/** TxnOffsetCommit request body. */
export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: bigint;
  producerEpoch: number;
  /** The consumer's generation or member epoch (v3+); -1 (the default) outside a group. */
  generationId?: number;
  /** The consumer's member id (v3+); "" (the default) outside a group. */
  memberId?: string;
  /** The consumer's static group instance id (v3+); null by default. */
  groupInstanceId?: string | null;
  topics: readonly TxnOffsetCommitTopic[];
}

/** TxnOffsetCommit response body. */
export interface TxnOffsetCommitResponse {
  throttleTimeMs: number;
  topics: TopicPartitionErrors[];
}

const FIRST_FLEXIBLE = 3;

/** TxnOffsetCommit v0–v5. */
export const TxnOffsetCommit: Api<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
  name: "TxnOffsetCommit",
  key: 28,
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: TxnOffsetCommitRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    const str = (w: Writer, s: string | null) => flexible ? w.compactString(s) : w.string(s);
    str(w, request.transactionalId);
    str(w, request.groupId);
    w.int64(request.producerId).int16(request.producerEpoch);
    if (version >= 3) {
      w.int32(request.generationId ?? -1);
      w.compactString(request.memberId ?? "");
      w.compactString(request.groupInstanceId ?? null);
    }
    w.array(request.topics, flexible, (w, topic) => {
      str(w, topic.name);
      w.array(topic.partitions, flexible, (w, p) => {
        w.int32(p.partitionIndex).int64(p.committedOffset);
        if (version >= 2) w.int32(p.committedLeaderEpoch ?? -1);
        str(w, p.committedMetadata ?? null);
        if (flexible) w.emptyTaggedFields();
      });
      if (flexible) w.emptyTaggedFields();
    });
    if (flexible) w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): TxnOffsetCommitResponse {
    const flexible = version >= FIRST_FLEXIBLE;
    const throttleTimeMs = r.int32();
    const topics = readTopicPartitionErrors(r, flexible);
    if (flexible) r.taggedFields();
    return { throttleTimeMs, topics };
  },
};
