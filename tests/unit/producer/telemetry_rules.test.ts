/**
 * Client telemetry's rules (KIP-714, as the Java client applies them) for the answers a real
 * broker gives only rarely: each error code, a subscription without metrics, a broker without the
 * telemetry APIs, and the terminating push on close. A scripted connection stands in for the
 * broker here; client_telemetry.test.ts is the real broker's test. Also: the config's default
 * (tests/producer/config.test.ts checks its bad values).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { UnsupportedVersionError } from "../../../mod.ts";
import { resolveProducerConfig } from "../../../src/producer/config.ts";
import { SILENT_LOGGER } from "../../../src/logger.ts";
import type { Api } from "../../../src/protocol/api.ts";
import type { GetTelemetrySubscriptionsResponse } from "../../../src/protocol/messages/get_telemetry_subscriptions.ts";
import type { PushTelemetryRequest } from "../../../src/protocol/messages/push_telemetry.ts";
import { ClientTelemetry, type TelemetryConnection } from "../../../src/producer/telemetry.ts";
import { ProducerMetrics } from "../../../src/producer/metrics.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const INTERVAL_MS = 500;
const INSTANCE_ID = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

interface Call {
  api: string;
  atMs: number;
  request: unknown;
}

/** A broker connection that answers from a script: one answer per request, in order. */
function scriptedBroker(
  script: ((call: Call) => unknown)[],
  options: { advertised?: boolean } = {},
) {
  const calls: Call[] = [];
  const connection: TelemetryConnection = {
    versionOf(api: Api<unknown, unknown>) {
      if (options.advertised === false) throw new UnsupportedVersionError(`no ${api.name}`);
      return 0;
    },
    request<Req, Res>(api: Api<Req, Res>, request: Req): Promise<Res> {
      const call = { api: api.name, atMs: Date.now(), request };
      calls.push(call);
      const answer = script.shift();
      return answer
        ? Promise.resolve(answer(call) as Res)
        : new Promise<Res>(() => {}) as Promise<Res>; // the script ran out: no answer
    },
  };
  const metrics = new ProducerMetrics();
  const telemetry = new ClientTelemetry({
    network: { leastLoadedNode: () => 1, connection: () => connection },
    metrics: () =>
      metrics.snapshot({
        bufferAvailableBytes: 0,
        bufferTotalBytes: 0,
        requestsInFlight: 0,
        connectionCount: 1,
      }, Date.now()),
    resourceAttributes: [],
    logger: SILENT_LOGGER,
  });
  return { calls, telemetry };
}

function subscription(
  overrides: Partial<GetTelemetrySubscriptionsResponse> = {},
): () => GetTelemetrySubscriptionsResponse {
  return () => ({
    throttleTimeMs: 0,
    errorCode: 0,
    clientInstanceId: INSTANCE_ID,
    subscriptionId: 7,
    acceptedCompressionTypes: [4, 3, 1, 2],
    pushIntervalMs: INTERVAL_MS,
    telemetryMaxBytes: 1 << 20,
    deltaTemporality: true,
    requestedMetrics: ["org.apache.kafka.producer.record."],
    ...overrides,
  });
}

const pushAnswer = (errorCode: number) => () => ({ throttleTimeMs: 0, errorCode });

async function until(calls: Call[], count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (calls.length < count) {
    assert.ok(Date.now() < deadline, `${count} requests expected, ${calls.length} made`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("UNKNOWN_SUBSCRIPTION_ID: subscribes again at once, with the assigned instance id", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const { calls, telemetry } = scriptedBroker([subscription(), pushAnswer(117), subscription()]);
  telemetry.start();
  try {
    await until(calls, 3);
    assert.deepEqual(calls.map((c) => c.api), [
      "GetTelemetrySubscriptions",
      "PushTelemetry",
      "GetTelemetrySubscriptions",
    ]);
    const first = calls[0].request as { clientInstanceId: Uint8Array };
    assert.deepEqual(first.clientInstanceId, new Uint8Array(16), "the first asks for an id");
    const again = calls[2].request as { clientInstanceId: Uint8Array };
    assert.deepEqual(again.clientInstanceId, INSTANCE_ID);
    assert.ok(calls[2].atMs - calls[1].atMs < INTERVAL_MS, "without waiting for the interval");
  } finally {
    await telemetry.close(false);
  }
});

for (const [name, code] of [["TELEMETRY_TOO_LARGE", 118], ["THROTTLING_QUOTA_EXCEEDED", 89]]) {
  test(
    `${name}: subscribes again after the push interval`,
    { timeout: UNIT_TIMEOUT_MS },
    async () => {
      const { calls, telemetry } = scriptedBroker([
        subscription(),
        pushAnswer(code as number),
        subscription(),
      ]);
      telemetry.start();
      try {
        await until(calls, 3);
        assert.equal(calls[2].api, "GetTelemetrySubscriptions");
        assert.ok(calls[2].atMs - calls[1].atMs >= INTERVAL_MS);
      } finally {
        await telemetry.close(false);
      }
    },
  );
}

for (const [name, code] of [["INVALID_RECORD", 87], ["INVALID_REQUEST", 42]]) {
  test(
    `${name}: stops pushing for good, close sends nothing`,
    { timeout: UNIT_TIMEOUT_MS },
    async () => {
      const { calls, telemetry } = scriptedBroker([subscription(), pushAnswer(code as number)]);
      telemetry.start();
      await until(calls, 2);
      await sleep(1.5 * INTERVAL_MS);
      await telemetry.close(true);
      assert.deepEqual(calls.map((c) => c.api), ["GetTelemetrySubscriptions", "PushTelemetry"]);
    },
  );
}

test("no metric requested: no push, the subscription is asked again after the interval", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const { calls, telemetry } = scriptedBroker([
    subscription({ requestedMetrics: [] }),
    subscription({ requestedMetrics: [] }),
  ]);
  telemetry.start();
  try {
    await until(calls, 2);
    assert.deepEqual(calls.map((c) => c.api), [
      "GetTelemetrySubscriptions",
      "GetTelemetrySubscriptions",
    ]);
    assert.ok(calls[1].atMs - calls[0].atMs >= INTERVAL_MS);
  } finally {
    await telemetry.close(true);
  }
  assert.equal(calls.length, 2, "no terminating push without metrics");
});

test(
  "a broker without the telemetry APIs is sent nothing",
  { timeout: UNIT_TIMEOUT_MS },
  async () => {
    const { calls, telemetry } = scriptedBroker([subscription()], { advertised: false });
    telemetry.start();
    await sleep(300);
    await telemetry.close(true);
    assert.deepEqual(calls, []);
  },
);

test(
  "close sends a terminating push with the selected metrics",
  { timeout: UNIT_TIMEOUT_MS },
  async () => {
    const { calls, telemetry } = scriptedBroker([subscription(), pushAnswer(0)]);
    telemetry.start();
    await until(calls, 1);
    await sleep(50); // the subscription's answer is in
    await telemetry.close(true);
    assert.deepEqual(calls.map((c) => c.api), ["GetTelemetrySubscriptions", "PushTelemetry"]);
    const push = calls[1].request as PushTelemetryRequest;
    assert.equal(push.terminating, true);
    assert.equal(push.subscriptionId, 7);
    assert.equal(push.compressionType, 0);
    assert.deepEqual(push.clientInstanceId, INSTANCE_ID);
    const text = new TextDecoder().decode(push.metrics);
    assert.ok(text.includes("org.apache.kafka.producer.record.send.total"));
    assert.ok(!text.includes("org.apache.kafka.producer.request.total"), "only the selected");
  },
);

test("enableMetricsPush is on by default, as Java's enable.metrics.push", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  assert.equal(resolveProducerConfig({ bootstrapServers: ["a:1"] }).enableMetricsPush, true);
});
