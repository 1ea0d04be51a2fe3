/**
 * SaslHandshake (key 17): names the SASL mechanism the client will use. Only v1 is spoken: its
 * tokens then travel in SaslAuthenticate requests (v0 sent them as bare frames). Not flexible.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** SaslHandshake request body. */
export interface SaslHandshakeRequest {
  mechanism: string;
}

/** SaslHandshake response body. */
export interface SaslHandshakeResponse {
  errorCode: number;
  /** The mechanisms the broker has enabled on this listener. */
  mechanisms: string[];
}

/** SaslHandshake v1. */
export const SaslHandshake: Api<SaslHandshakeRequest, SaslHandshakeResponse> = {
  name: "SaslHandshake",
  key: 17,
  minVersion: 1,
  maxVersion: 1,
  firstFlexibleVersion: Infinity,

  encodeRequest(w: Writer, request: SaslHandshakeRequest): void {
    w.string(request.mechanism);
  },

  decodeResponse(r: Reader): SaslHandshakeResponse {
    const errorCode = r.int16();
    const mechanisms = r.array(false, (item) => item.string(), 2);
    return { errorCode, mechanisms };
  },
};
