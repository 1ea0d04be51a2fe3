/**
 * EndTxn (key 26): commits or aborts a transaction; the coordinator then writes the markers to
 * every partition in it. v2 may answer PRODUCER_FENCED; v3+ is flexible; v4 may answer
 * TRANSACTION_ABORTABLE (KIP-890).
 *
 * v5 belongs to transaction protocol v2 (KIP-890 part 2): the coordinator bumps the producer
 * epoch at the end of every transaction and the response carries the producer id and epoch to
 * use from then on (a new producer id when the epoch ran out). A client that keeps its epoch
 * across transactions (protocol v1) must send v4 at most. Kafka 4.4 accepts v0–v5, the newest
 * schema there is.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** EndTxn request body. */
export interface EndTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  /** true to commit, false to abort. */
  committed: boolean;
}

/** EndTxn response body. */
export interface EndTxnResponse {
  throttleTimeMs: number;
  errorCode: number;
  /** The producer id for the next transaction (v5+); -1n before v5. */
  producerId: bigint;
  /** The producer epoch for the next transaction (v5+); -1 before v5. */
  producerEpoch: number;
}

const FIRST_FLEXIBLE = 3;

/** EndTxn v0–v5. */
export const EndTxn: Api<EndTxnRequest, EndTxnResponse> = {
  name: "EndTxn",
  key: 26,
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: EndTxnRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    if (flexible) w.compactString(request.transactionalId);
    else w.string(request.transactionalId);
    w.int64(request.producerId).int16(request.producerEpoch).bool(request.committed);
    if (flexible) w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): EndTxnResponse {
    const throttleTimeMs = r.int32();
    const errorCode = r.int16();
    const producerId = version >= 5 ? r.int64() : -1n;
    const producerEpoch = version >= 5 ? r.int16() : -1;
    if (version >= FIRST_FLEXIBLE) r.taggedFields();
    return { throttleTimeMs, errorCode, producerId, producerEpoch };
  },
};
