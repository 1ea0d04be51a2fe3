/**
 * AddPartitionsToTxn (key 24): tells the transaction coordinator which partitions a transaction
 * is about to write, before the first batch goes to each. v2 may answer PRODUCER_FENCED; v3+ is
 * flexible. v4 and v5 batch several transactions and have a VerifyOnly flag: the schema reserves
 * them for brokers verifying a transaction on the coordinator (KIP-890 part 1; "Versions 3 and
 * below will be exclusively used by clients"), so a client speaks v0–v3 even though Kafka 4.4
 * advertises v0–v5.
 *
 * With transaction.version 2 (KIP-890 part 2) a client using Produce v12 does not send this at
 * all: the partition leader adds the partition to the transaction itself.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";
import { readTopicPartitionErrors, type TopicPartitionErrors } from "./topic_partition_errors.ts";

/** Partitions of one topic to add. */
export interface AddPartitionsToTxnTopic {
  name: string;
  partitions: readonly number[];
}

/** AddPartitionsToTxn request body. */
export interface AddPartitionsToTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  topics: readonly AddPartitionsToTxnTopic[];
}

/** AddPartitionsToTxn response body. */
export interface AddPartitionsToTxnResponse {
  throttleTimeMs: number;
  results: TopicPartitionErrors[];
}

const FIRST_FLEXIBLE = 3;

/** AddPartitionsToTxn v0–v3 (the client versions). */
export const AddPartitionsToTxn: Api<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
  name: "AddPartitionsToTxn",
  key: 24,
  minVersion: 0,
  maxVersion: 3,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: AddPartitionsToTxnRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    if (flexible) w.compactString(request.transactionalId);
    else w.string(request.transactionalId);
    w.int64(request.producerId).int16(request.producerEpoch);
    w.array(request.topics, flexible, (w, topic) => {
      if (flexible) w.compactString(topic.name);
      else w.string(topic.name);
      w.array(topic.partitions, flexible, (w, partition) => w.int32(partition));
      if (flexible) w.emptyTaggedFields();
    });
    if (flexible) w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): AddPartitionsToTxnResponse {
    const flexible = version >= FIRST_FLEXIBLE;
    const throttleTimeMs = r.int32();
    const results = readTopicPartitionErrors(r, flexible);
    if (flexible) r.taggedFields();
    return { throttleTimeMs, results };
  },
};
