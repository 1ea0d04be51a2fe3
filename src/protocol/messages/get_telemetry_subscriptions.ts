/**
 * GetTelemetrySubscriptions (key 71, KIP-714, Kafka 3.7+): which of its metrics a client should
 * push, how often, and how compressed. The first request carries the zero UUID and the broker
 * assigns the client instance id; later ones carry that id. A broker advertises the API only when
 * it has a client-telemetry plugin. v0 only, flexible.
 *
 * @module
 */

import type { Api } from "../api.ts";
import type { Reader, Writer } from "../primitives.ts";

/** GetTelemetrySubscriptions request body. */
export interface GetTelemetrySubscriptionsRequest {
  /** 16 bytes; all zero on the first request. */
  clientInstanceId: Uint8Array;
}

/** GetTelemetrySubscriptions response body. */
export interface GetTelemetrySubscriptionsResponse {
  throttleTimeMs: number;
  errorCode: number;
  /** The id the broker assigned when the request had the zero UUID. */
  clientInstanceId: Uint8Array;
  subscriptionId: number;
  /** Compression type ids the broker accepts for PushTelemetry, preferred first. */
  acceptedCompressionTypes: number[];
  pushIntervalMs: number;
  /** Largest PushTelemetry metrics payload the broker accepts. */
  telemetryMaxBytes: number;
  /** Sums as deltas since the last push (true) or cumulative since the start (false). */
  deltaTemporality: boolean;
  /** Metric name prefixes to push: none means no metric, a single "*" every metric. */
  requestedMetrics: string[];
}

/** GetTelemetrySubscriptions v0. */
export const GetTelemetrySubscriptions: Api<
  GetTelemetrySubscriptionsRequest,
  GetTelemetrySubscriptionsResponse
> = {
  name: "GetTelemetrySubscriptions",
  key: 71,
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, request: GetTelemetrySubscriptionsRequest): void {
    w.uuid(request.clientInstanceId).emptyTaggedFields();
  },

  decodeResponse(r: Reader): GetTelemetrySubscriptionsResponse {
    const response = {
      throttleTimeMs: r.int32(),
      errorCode: r.int16(),
      clientInstanceId: r.uuid(),
      subscriptionId: r.int32(),
      acceptedCompressionTypes: r.array(true, (t) => t.int8()),
      pushIntervalMs: r.int32(),
      telemetryMaxBytes: r.int32(),
      deltaTemporality: r.bool(),
      requestedMetrics: r.array(true, (m) => m.compactString()),
    };
    r.taggedFields();
    return response;
  },
};
