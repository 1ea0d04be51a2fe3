/**
 * SaslAuthenticate (key 36): one round of a SASL exchange, the mechanism's bytes each way. v1+
 * answers with the session's lifetime (KIP-368), after which the client must authenticate again
 * on the same connection; v2+ is flexible.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** SaslAuthenticate request body. */
export interface SaslAuthenticateRequest {
  authBytes: Uint8Array;
}

/** SaslAuthenticate response body. */
export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Uint8Array;
  /** Milliseconds until the broker ends the session; 0 when it never does (and before v1). */
  sessionLifetimeMs: bigint;
}

const FIRST_FLEXIBLE = 2;

/** SaslAuthenticate v0–v2. */
export const SaslAuthenticate: Api<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  name: "SaslAuthenticate",
  key: 36,
  minVersion: 0,
  maxVersion: 2,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: SaslAuthenticateRequest, version: number): void {
    if (version >= FIRST_FLEXIBLE) w.compactBytes(request.authBytes).emptyTaggedFields();
    else w.bytesField(request.authBytes);
  },

  decodeResponse(r: Reader, version: number): SaslAuthenticateResponse {
    const flexible = version >= FIRST_FLEXIBLE;
    const errorCode = r.int16();
    const errorMessage = r.nullableStr(flexible);
    const authBytes = (flexible ? r.compactNullableBytes() : r.nullableBytes()) ??
      new Uint8Array(0);
    const sessionLifetimeMs = version >= 1 ? r.int64() : 0n;
    if (flexible) r.taggedFields();
    return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
  },
};
