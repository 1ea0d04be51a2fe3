/**
 * ApiVersions (key 18): which versions of each API the broker speaks. Sent first on every
 * connection. v3+ is flexible and names the client software. A broker that does not speak the
 * version asked for answers UNSUPPORTED_VERSION in the v0 layout, with its own ApiVersions
 * range in the key list, so the caller can retry at a version it accepts.
 *
 * @module
 */

import { ErrorCode } from "../../error_codes.ts";
import type { Api, VersionRange } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** ApiVersions request body. */
export interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

/** ApiVersions response body. */
export interface ApiVersionsResponse {
  errorCode: number;
  apiVersions: Map<number, VersionRange>;
  throttleTimeMs: number;
}

const FIRST_FLEXIBLE = 3;

/** ApiVersions v0–v4. */
export const ApiVersions: Api<ApiVersionsRequest, ApiVersionsResponse> = {
  name: "ApiVersions",
  key: 18,
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: FIRST_FLEXIBLE,

  encodeRequest(w: Writer, request: ApiVersionsRequest, version: number): void {
    if (version < FIRST_FLEXIBLE) return;
    w.compactString(request.clientSoftwareName);
    w.compactString(request.clientSoftwareVersion);
    w.emptyTaggedFields();
  },

  decodeResponse(r: Reader, version: number): ApiVersionsResponse {
    const errorCode = r.int16();
    // An UNSUPPORTED_VERSION answer is always in the v0 layout, whatever was asked.
    const flexible = version >= FIRST_FLEXIBLE && errorCode !== ErrorCode.UNSUPPORTED_VERSION;
    const apiVersions = new Map<number, VersionRange>();
    r.array(flexible, (item) => {
      const key = item.int16();
      apiVersions.set(key, { minVersion: item.int16(), maxVersion: item.int16() });
      if (flexible) item.taggedFields();
    }, 6);
    const throttleTimeMs = version >= 1 && r.remaining > 0 ? r.int32() : 0;
    if (flexible) r.taggedFields();
    return { errorCode, apiVersions, throttleTimeMs };
  },
};
