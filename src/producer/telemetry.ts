/**
 * Client telemetry (KIP-714, Java's `enable.metrics.push`): when the cluster has a client-metrics
 * subscription that matches this producer, its metrics are pushed to a broker in OTLP form. The
 * rules are the Java client's (ClientTelemetryReporter, ClientTelemetryUtils):
 *
 * - GetTelemetrySubscriptions to a connected broker (the same one while it stays connected)
 *   assigns the client instance id and says which metric name prefixes to push, how often, and
 *   sums as deltas or cumulative. No metric requested: ask again after the push interval.
 * - The first push comes after 0.5–1.5 push intervals (so that clients started together spread
 *   out), then one per interval. Metrics go uncompressed (the broker always accepts that).
 * - Error codes: UNKNOWN_SUBSCRIPTION_ID and UNSUPPORTED_COMPRESSION_TYPE: subscribe again at
 *   once; TELEMETRY_TOO_LARGE and THROTTLING_QUOTA_EXCEEDED: subscribe again after the push
 *   interval; INVALID_REQUEST, INVALID_RECORD, UNSUPPORTED_VERSION and anything else: stop
 *   pushing for the producer's lifetime.
 * - A broker that does not advertise the APIs (no telemetry plugin, or older than 3.7): ask again
 *   after 5 minutes.
 * - `close()` sends a last push marked terminating, if a subscription asked for metrics.
 *
 * One difference: a request that got no response (lost connection, timeout) makes the Java
 * client stop pushing for good; here it subscribes again after the push interval, on whichever
 * broker is connected then, so a broker restart does not end telemetry.
 *
 * @module
 */

import type { Api } from "../protocol/api.ts";
import { ErrorCode, errorName } from "../error_codes.ts";
import {
  GetTelemetrySubscriptions,
  type GetTelemetrySubscriptionsResponse,
} from "../protocol/messages/get_telemetry_subscriptions.ts";
import { PushTelemetry } from "../protocol/messages/push_telemetry.ts";
import { encodeMetricsData } from "../protocol/otlp_metrics.ts";
import type { LogFields, Logger } from "../logger.ts";
import type { ProducerMetricValues } from "./metrics.ts";
import { metricSelector, TelemetryMetrics } from "./telemetry_metrics.ts";

/** Java's ClientTelemetryReporter.DEFAULT_PUSH_INTERVAL_MS. */
const DEFAULT_PUSH_INTERVAL_MS = 5 * 60 * 1000;

/** How soon to look again for a connected broker when there is none. */
const NO_CONNECTION_RETRY_MS = 1000;

/** First push after this share of the push interval, at random (KIP-714). */
const FIRST_PUSH_JITTER = [0.5, 1.5] as const;

/** What telemetry needs of a broker connection. */
export interface TelemetryConnection {
  /** The version of `api` both sides speak; throws if the broker does not advertise it. */
  versionOf(api: Api<unknown, unknown>): number;
  request<Req, Res>(api: Api<Req, Res>, request: Req): Promise<Res>;
}

/** What telemetry needs of the network: connections the producer has open anyway. */
export interface TelemetryNetwork {
  leastLoadedNode(maxInFlight: number): number | undefined;
  connection(nodeId: number): TelemetryConnection | undefined;
}

/** Settings of a {@link ClientTelemetry}. */
export interface ClientTelemetryOptions {
  network: TelemetryNetwork;
  /** The producer's metrics now. */
  metrics: () => ProducerMetricValues;
  /** Attributes of the client as a resource (Java: transactional_id when set). */
  resourceAttributes: readonly (readonly [string, string])[];
  /** A logger that cannot throw (the producer's, see user_code.ts). */
  logger: Logger;
}

/** What a GetTelemetrySubscriptions response told this client. */
interface Subscription {
  clientInstanceId: Uint8Array;
  subscriptionId: number;
  pushIntervalMs: number;
  deltaTemporality: boolean;
  /** null: no metric requested. */
  selected: ((name: string) => boolean) | null;
}

/** Pushes the producer's subscribed metrics to the cluster. */
export class ClientTelemetry {
  readonly #options: ClientTelemetryOptions;
  readonly #metrics: TelemetryMetrics;
  #subscription: Subscription | null = null;
  /** The next request: a subscription or a push; "terminated" once closed. */
  #state: "subscriptionNeeded" | "pushNeeded" | "terminated" = "subscriptionNeeded";
  /** False after an error that retrying cannot fix. */
  #enabled = true;
  #nextAtMs = 0;
  /** The broker used while it stays connected (KIP-714). */
  #node: number | undefined;
  #inFlight: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ClientTelemetryOptions) {
    this.#options = options;
    this.#metrics = new TelemetryMetrics(Date.now());
  }

  /** Starts asking for a subscription (and pushing, if one asks for metrics). */
  start(): void {
    this.#schedule(0);
  }

  /**
   * Stops, after a last push marked terminating when a subscription asked for metrics and
   * `finalPush` is true. Resolves once that push is answered or failed.
   */
  async close(finalPush: boolean): Promise<void> {
    if (this.#state === "terminated") return;
    const pushing = this.#enabled && this.#state === "pushNeeded";
    this.#state = "terminated";
    clearTimeout(this.#timer);
    // Out of time (close's timeoutMs passed): no waiting for a push in flight either.
    if (!pushing || !finalPush) return;
    await this.#inFlight; // settles, never rejects
    const connection = this.#connection();
    if (!connection) return;
    try {
      const response = await connection.request(PushTelemetry, this.#pushRequest(true));
      if (response.errorCode !== 0) {
        this.#log("debug", "terminating telemetry push refused", {
          error: errorName(response.errorCode),
        });
      }
    } catch (error) {
      this.#log("debug", "terminating telemetry push failed", { error: String(error) });
    }
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#state === "terminated" || !this.#enabled) return;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, delayMs));
  }

  #tick(): void {
    if (this.#state === "terminated" || !this.#enabled || this.#inFlight) return;
    const waitMs = this.#nextAtMs - Date.now();
    if (waitMs > 0) return this.#schedule(waitMs);
    const connection = this.#connection();
    if (!connection) return this.#schedule(NO_CONNECTION_RETRY_MS);
    const subscribing = this.#state === "subscriptionNeeded";
    const api = subscribing ? GetTelemetrySubscriptions : PushTelemetry;
    try {
      connection.versionOf(api as Api<unknown, unknown>);
    } catch {
      // The broker has no telemetry plugin, or is older than 3.7: look again later.
      this.#node = undefined;
      this.#resubscribeIn(DEFAULT_PUSH_INTERVAL_MS);
      return this.#schedule(DEFAULT_PUSH_INTERVAL_MS);
    }
    // Async, so that anything thrown (a metric that cannot be encoded) is a rejection too.
    const request = (async () => {
      if (subscribing) {
        this.#onSubscription(
          await connection.request(GetTelemetrySubscriptions, {
            clientInstanceId: this.#subscription?.clientInstanceId ?? new Uint8Array(16),
          }),
        );
      } else {
        this.#onPushed(
          (await connection.request(PushTelemetry, this.#pushRequest(false))).errorCode,
        );
      }
    })();
    this.#inFlight = request.catch((error) => {
      if (this.#state === "terminated") return;
      this.#log("debug", "telemetry request failed", { error: String(error) });
      this.#node = undefined;
      this.#resubscribeIn(this.#subscription?.pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS);
    }).finally(() => {
      this.#inFlight = null;
      this.#schedule(this.#nextAtMs - Date.now());
    });
  }

  /** The sticky broker's connection if it is still open, else another open one's. */
  #connection(): TelemetryConnection | undefined {
    const network = this.#options.network;
    let connection = this.#node === undefined ? undefined : network.connection(this.#node);
    if (!connection) {
      this.#node = network.leastLoadedNode(Infinity);
      connection = this.#node === undefined ? undefined : network.connection(this.#node);
    }
    return connection;
  }

  #onSubscription(response: GetTelemetrySubscriptionsResponse): void {
    if (this.#state === "terminated") return;
    if (response.errorCode !== 0) return this.#onError(response.errorCode);
    if (response.clientInstanceId.every((byte) => byte === 0)) {
      this.#disable("the broker assigned no client instance id");
      return;
    }
    const pushIntervalMs = response.pushIntervalMs > 0
      ? response.pushIntervalMs
      : DEFAULT_PUSH_INTERVAL_MS;
    const previous = this.#subscription;
    if (previous && previous.deltaTemporality !== response.deltaTemporality) {
      this.#metrics.reset(Date.now());
    }
    const subscription = {
      clientInstanceId: response.clientInstanceId,
      subscriptionId: response.subscriptionId,
      pushIntervalMs,
      deltaTemporality: response.deltaTemporality,
      selected: metricSelector(response.requestedMetrics),
    };
    this.#subscription = subscription;
    if (!subscription.selected) {
      this.#resubscribeIn(pushIntervalMs);
      return;
    }
    if (!previous) {
      this.#log("info", "client telemetry subscribed", {
        clientInstanceId: uuidString(subscription.clientInstanceId),
        pushIntervalMs,
      });
    }
    const [low, high] = FIRST_PUSH_JITTER;
    this.#state = "pushNeeded";
    this.#nextAtMs = Date.now() + Math.round(pushIntervalMs * (low + Math.random() * (high - low)));
  }

  #onPushed(errorCode: number): void {
    if (this.#state === "terminated") return;
    if (errorCode !== 0) return this.#onError(errorCode);
    this.#metrics.pushed();
    this.#nextAtMs = Date.now() + this.#subscription!.pushIntervalMs;
  }

  /** An error code in either response: subscribe again, sooner or later, or stop for good. */
  #onError(errorCode: number): void {
    const fields = { error: errorName(errorCode) };
    switch (errorCode) {
      case ErrorCode.UNKNOWN_SUBSCRIPTION_ID:
      case ErrorCode.UNSUPPORTED_COMPRESSION_TYPE:
        this.#log("debug", "telemetry subscription changed: subscribing again", fields);
        this.#resubscribeIn(0);
        return;
      case ErrorCode.TELEMETRY_TOO_LARGE:
      case ErrorCode.THROTTLING_QUOTA_EXCEEDED:
        this.#log("warn", "telemetry push refused: subscribing again later", fields);
        this.#resubscribeIn(this.#subscription?.pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS);
        return;
      default:
        this.#disable(`the broker answered ${fields.error}`);
    }
  }

  #resubscribeIn(delayMs: number): void {
    this.#state = "subscriptionNeeded";
    this.#nextAtMs = Date.now() + delayMs;
  }

  #disable(reason: string): void {
    this.#enabled = false;
    clearTimeout(this.#timer);
    this.#log("warn", "client telemetry stopped for this producer", { reason });
  }

  #pushRequest(terminating: boolean) {
    const subscription = this.#subscription!;
    const nowMs = Date.now();
    const metrics = encodeMetricsData({
      resourceAttributes: this.#options.resourceAttributes,
      metrics: this.#metrics.collect(
        this.#options.metrics(),
        subscription.selected!,
        subscription.deltaTemporality,
        nowMs,
      ),
    });
    return {
      clientInstanceId: subscription.clientInstanceId,
      subscriptionId: subscription.subscriptionId,
      terminating,
      compressionType: 0,
      metrics,
    };
  }

  #log(level: "debug" | "info" | "warn", message: string, fields: LogFields): void {
    this.#options.logger[level](message, fields);
  }
}

/** A 16-byte UUID in Kafka's text form (base64url, no padding), as brokers log it. */
function uuidString(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}
