/**
 * PushTelemetry (key 72, KIP-714, Kafka 3.7+): a client's subscribed metrics, encoded as an OTLP
 * MetricsData protobuf (see ../otlp_metrics.ts), possibly compressed. `terminating` marks the
 * last push, sent on close. v0 only, flexible.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** PushTelemetry request body. */
export interface PushTelemetryRequest {
  clientInstanceId: Uint8Array;
  subscriptionId: number;
  terminating: boolean;
  /** The compression type id of `metrics` (0: none). */
  compressionType: number;
  metrics: Uint8Array;
}

/** PushTelemetry response body. */
export interface PushTelemetryResponse {
  throttleTimeMs: number;
  errorCode: number;
}

/** PushTelemetry v0. */
export const PushTelemetry: Api<PushTelemetryRequest, PushTelemetryResponse> = {
  name: "PushTelemetry",
  key: 72,
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, request: PushTelemetryRequest): void {
    w.uuid(request.clientInstanceId).int32(request.subscriptionId).bool(request.terminating)
      .int8(request.compressionType).compactBytes(request.metrics).emptyTaggedFields();
  },

  decodeResponse(r: Reader): PushTelemetryResponse {
    const response = { throttleTimeMs: r.int32(), errorCode: r.int16() };
    r.taggedFields();
    return response;
  },
};
