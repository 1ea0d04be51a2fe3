/**
 * MetadataUpdater and NetworkClient without a broker, over a transport whose connections to each
 * address fail at once (refused) or never complete (an address that does not answer):
 * - a failed connection to a partition's leader asks for fresh metadata (issue 14);
 * - an attempt to an address that does not answer does not hold the next candidate up;
 * - with metadataRecoveryStrategy "rebootstrap", the bootstrap addresses are asked again once
 *   every known broker is backing off, and after metadataRecoveryRebootstrapTriggerMs without
 *   metadata; with "none", never.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ClusterMetadata } from "../../../src/client/cluster_metadata.ts";
import { CONNECTION_ATTEMPT_DELAY_MS } from "../../../src/client/bootstrap.ts";
import {
  type MetadataRecoveryStrategy,
  MetadataUpdater,
} from "../../../src/client/metadata_updater.ts";
import { NetworkClient } from "../../../src/client/network_client.ts";
import { ConnectionError } from "../../../src/errors.ts";
import type { Endpoint, Transport } from "../../../src/transport/transport.ts";
import { metadataResponse } from "../../_lib/metadata_response.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A transport that refuses every address except those in `silent`, which never answer. */
function deadTransport(silent: readonly number[] = []) {
  const attempts: string[] = [];
  const transport: Transport = {
    name: "dead",
    connect(endpoint: Endpoint) {
      attempts.push(`${endpoint.host}:${endpoint.port}`);
      if (silent.includes(endpoint.port)) return new Promise(() => {});
      return Promise.reject(new ConnectionError(`${endpoint.port} refused`));
    },
  };
  return { transport, attempts };
}

function client(
  transport: Transport,
  bootstrap: Endpoint[],
  strategy: MetadataRecoveryStrategy = "rebootstrap",
  triggerMs = 300_000,
) {
  const metadata = new ClusterMetadata(300_000, bootstrap);
  const network = new NetworkClient(transport, {
    clientId: "unit",
    requestTimeoutMs: 1_000,
    maxResponseSize: 1 << 20,
    softwareName: "unit",
    softwareVersion: "0",
    // Long enough that both brokers are seen backing off together, however slow the machine.
    reconnectBackoffMs: 200,
    reconnectBackoffMaxMs: 2_000,
    connectionSetupTimeoutMs: 2_000,
  }, () => {});
  const rebootstraps: string[] = [];
  const updater = new MetadataUpdater(metadata, network, {
    allowAutoCreateTopics: false,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 20,
    metadataRecoveryStrategy: strategy,
    metadataRecoveryRebootstrapTriggerMs: triggerMs,
  }, {
    metadataUpdated() {},
    metadataFailed() {},
    rebootstrapped: (reason) => rebootstraps.push(reason),
  }, () => {});
  return { metadata, network, updater, rebootstraps };
}

/** Polls the updater every few milliseconds for `ms`. */
async function pollFor(updater: MetadataUpdater, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    updater.poll(Date.now());
    await sleep(5);
  }
}

test("a failed connection to a partition's leader makes a metadata refresh due", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const { transport } = deadTransport();
  const { metadata, network } = client(transport, [{ host: "127.0.0.1", port: 1 }]);
  const now = Date.now();
  metadata.update(metadataResponse({ t: [1] }), now);
  assert.ok(metadata.timeToNextUpdate(now) > 0, "fresh metadata: nothing due");
  // The sender connects to the leader (node 1), which is gone.
  network.isReady(1, metadata.endpointOf(1)!, 5, now);
  await sleep(20);
  assert.equal(metadata.timeToNextUpdate(Date.now()), 0, "no refresh asked for");
  network.close();
});

test("an address that does not answer does not hold up the next bootstrap address", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const { transport, attempts } = deadTransport([1]);
  const { metadata, network, updater } = client(transport, [
    { host: "127.0.0.1", port: 1 },
    { host: "127.0.0.1", port: 2 },
  ]);
  metadata.requestUpdate();
  await pollFor(updater, CONNECTION_ATTEMPT_DELAY_MS + 100);
  assert.deepEqual(attempts.slice(0, 2), ["127.0.0.1:1", "127.0.0.1:2"]);
  network.close();
});

for (const strategy of ["rebootstrap", "none"] as const) {
  test(`every known broker unreachable, metadataRecoveryStrategy ${strategy}`, {
    timeout: UNIT_TIMEOUT_MS,
  }, async () => {
    const { transport, attempts } = deadTransport();
    const bootstrap = { host: "127.0.0.1", port: 9999 };
    const { metadata, network, updater, rebootstraps } = client(transport, [bootstrap], strategy);
    metadata.update(metadataResponse({ t: [1, 2] }), Date.now()); // brokers at ports 9001, 9002
    metadata.requestUpdate();
    await pollFor(updater, 1_000);
    const tried = new Set(attempts);
    assert.ok(tried.has("127.0.0.1:9001") && tried.has("127.0.0.1:9002"), [...tried].join());
    if (strategy === "rebootstrap") {
      assert.ok(tried.has("127.0.0.1:9999"), "the bootstrap address was not asked again");
      assert.match(rebootstraps[0], /no known broker/);
      assert.ok(metadata.usingBootstrap);
    } else {
      assert.ok(!tried.has("127.0.0.1:9999"), "the bootstrap address was asked");
      assert.deepEqual(rebootstraps, []);
    }
    network.close();
  });
}

test("rebootstrap after metadataRecoveryRebootstrapTriggerMs without metadata", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  // Node 1 never answers, so it never backs off: only the trigger can end the wait.
  const { transport, attempts } = deadTransport([9001]);
  const bootstrap = { host: "127.0.0.1", port: 9999 };
  const { metadata, network, updater, rebootstraps } = client(
    transport,
    [bootstrap],
    "rebootstrap",
    200,
  );
  metadata.update(metadataResponse({ t: [1] }), Date.now());
  metadata.requestUpdate();
  await pollFor(updater, 100);
  assert.deepEqual(rebootstraps, []);
  await pollFor(updater, 300);
  assert.match(rebootstraps[0] ?? "", /no metadata for \d+ ms/);
  assert.ok(attempts.includes("127.0.0.1:9999"), attempts.join());
  network.close();
});
