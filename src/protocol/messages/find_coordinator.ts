/**
 * FindCoordinator (key 10): the broker that coordinates a consumer group (key type 0) or a
 * transactional id (key type 1). v0 has no key type and only finds group coordinators; v3+ is
 * flexible; v4+ batches several keys in one request (KIP-699) and answers with one coordinator
 * per key; v5 (KIP-890) and v6 (KIP-932, share groups, key type 2) add no fields. Kafka 4.4
 * accepts v0–v6, the newest schema there is.
 *
 * One shape serves every version: below v4 the request carries exactly one key and the flat
 * answer becomes a single coordinator whose `key` is null (the broker does not echo it).
 *
 * @module
 */

import type { Api } from "../api.ts";
import { UnsupportedVersionError } from "../../errors.ts";
import type { Reader, Writer } from "../primitives.ts";

/** The kind of coordinator asked for. */
export const CoordinatorKeyType = {
  GROUP: 0,
  TRANSACTION: 1,
} as const;

/** FindCoordinator request body. */
export interface FindCoordinatorRequest {
  /** 0 group, 1 transaction (see {@link CoordinatorKeyType}); v0 knows groups only. */
  keyType: number;
  /** Group ids or transactional ids; exactly one below v4. */
  keys: readonly string[];
}

/** The coordinator of one key. */
export interface Coordinator {
  /** The key this answers (v4+); null below v4, where the broker does not echo it. */
  key: string | null;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

/** FindCoordinator response body. */
export interface FindCoordinatorResponse {
  /** 0 before v1. */
  throttleTimeMs: number;
  coordinators: Coordinator[];
}

const FIRST_FLEXIBLE = 3;
const FIRST_BATCHED = 4;

/** FindCoordinator v0–v6. */
export const FindCoordinator: Api<FindCoordinatorRequest, FindCoordinatorResponse> = {
  name: "FindCoordinator",
  key: 10,
  minVersion: 0,
  maxVersion: 6,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: FindCoordinatorRequest, version: number): void {
    const flexible = version >= FIRST_FLEXIBLE;
    if (version < FIRST_BATCHED) {
      if (request.keys.length !== 1) {
        throw new UnsupportedVersionError(
          `FindCoordinator v${version} takes exactly one key (${request.keys.length} given)`,
        );
      }
      if (version === 0 && request.keyType !== CoordinatorKeyType.GROUP) {
        throw new UnsupportedVersionError("FindCoordinator v0 only finds group coordinators");
      }
      if (flexible) w.compactString(request.keys[0]);
      else w.string(request.keys[0]);
      if (version >= 1) w.int8(request.keyType);
    } else {
      w.int8(request.keyType);
      w.array(request.keys, true, (w, key) => w.compactString(key));
    }
    if (flexible) w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): FindCoordinatorResponse {
    const flexible = version >= FIRST_FLEXIBLE;
    const throttleTimeMs = version >= 1 ? r.int32() : 0;
    let coordinators: Coordinator[];
    if (version < FIRST_BATCHED) {
      const errorCode = r.int16();
      const errorMessage = version >= 1 ? r.nullableStr(flexible) : null;
      const nodeId = r.int32();
      const host = r.str(flexible);
      const port = r.int32();
      coordinators = [{ key: null, nodeId, host, port, errorCode, errorMessage }];
    } else {
      coordinators = r.array(true, (c): Coordinator => {
        const coordinator = {
          key: c.compactString(),
          nodeId: c.int32(),
          host: c.compactString(),
          port: c.int32(),
          errorCode: c.int16(),
          errorMessage: c.compactNullableString(),
        };
        c.taggedFields();
        return coordinator;
      }, 14);
    }
    if (flexible) r.taggedFields();
    return { throttleTimeMs, coordinators };
  },
};
