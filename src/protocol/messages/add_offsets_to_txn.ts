/**
 * AddOffsetsToTxn (key 25): adds a consumer group's offsets partition to a transaction, before
 * TxnOffsetCommit sends the offsets to the group coordinator. v2 may answer PRODUCER_FENCED; v3+
 * is flexible; v4 may answer TRANSACTION_ABORTABLE (KIP-890). Kafka 4.4 accepts v0–v4, the
 * newest schema there is.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** AddOffsetsToTxn request body. */
export interface AddOffsetsToTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  groupId: string;
}

/** AddOffsetsToTxn response body. */
export interface AddOffsetsToTxnResponse {
  throttleTimeMs: number;
  errorCode: number;
}

const FIRST_FLEXIBLE = 3;

/** AddOffsetsToTxn v0–v4. */
export const AddOffsetsToTxn: Api<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
  name: "AddOffsetsToTxn",
  key: 25,
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: AddOffsetsToTxnRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    if (flexible) w.compactString(request.transactionalId);
    else w.string(request.transactionalId);
    w.int64(request.producerId).int16(request.producerEpoch);
    if (flexible) w.compactString(request.groupId).emptyTaggedFields();
    else w.string(request.groupId);
  },

  decodeResponse(r: Reader, version: number): AddOffsetsToTxnResponse {
    const response = { throttleTimeMs: r.int32(), errorCode: r.int16() };
    if (version >= FIRST_FLEXIBLE) r.taggedFields();
    return response;
  },
};
