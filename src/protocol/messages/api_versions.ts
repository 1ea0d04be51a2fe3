/**
 * ApiVersions (key 18): which versions of each API the broker speaks. Sent first on every
 * connection. v3+ is flexible and names the client software, and its answer carries the
 * cluster's finalized feature levels in tagged fields (KIP-584), e.g. `transaction.version` 2
 * when the transaction protocol of KIP-890 part 2 is on. A broker that does not speak the
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
  /** Finalized features by name, with their (maximum) level; empty before v3. */
  finalizedFeatures: Map<string, number>;
}

const FIRST_FLEXIBLE = 3;
const FINALIZED_FEATURES_TAG = 2;

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
    const finalizedFeatures = new Map<string, number>();
    if (flexible) {
      r.taggedFields((tag, field) => {
        if (tag !== FINALIZED_FEATURES_TAG) return;
        field.array(true, (feature) => {
          const name = feature.compactString();
          finalizedFeatures.set(name, feature.int16()); // the max level; the min one follows
          feature.int16();
          feature.taggedFields();
        }, 6);
      });
    }
    return { errorCode, apiVersions, throttleTimeMs, finalizedFeatures };
  },
};
