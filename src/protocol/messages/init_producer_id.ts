/**
 * InitProducerId (key 22): a producer id and epoch for an idempotent or transactional producer.
 * v2+ is flexible; v3+ sends the current id and epoch so that the broker can bump the epoch of a
 * producer whose sequence state was lost (KIP-360). v6 (KIP-939, two-phase commit) is not
 * spoken: its fields have no use here.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** InitProducerId request body. */
export interface InitProducerIdRequest {
  /** null for an idempotent producer without transactions. */
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** The current id (v3+), or -1n for a new producer. */
  producerId: bigint;
  /** The current epoch (v3+), or -1 for a new producer. */
  producerEpoch: number;
}

/** InitProducerId response body. */
export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

const FIRST_FLEXIBLE = 2;

/** InitProducerId v0–v5. */
export const InitProducerId: Api<InitProducerIdRequest, InitProducerIdResponse> = {
  name: "InitProducerId",
  key: 22,
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: InitProducerIdRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    if (flexible) w.compactString(request.transactionalId);
    else w.string(request.transactionalId);
    w.int32(request.transactionTimeoutMs);
    if (version >= 3) w.int64(request.producerId).int16(request.producerEpoch);
    if (flexible) w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): InitProducerIdResponse {
    const response = {
      throttleTimeMs: r.int32(),
      errorCode: r.int16(),
      producerId: r.int64(),
      producerEpoch: r.int16(),
    };
    if (version >= FIRST_FLEXIBLE) r.taggedFields();
    return response;
  },
};
