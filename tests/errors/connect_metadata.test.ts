/**
 * docs/errors.md, rows M1–M5, A1–A2, S1–S2: Metadata, ApiVersions and SaslAuthenticate error
 * codes, injected by the fault proxy in front of the real broker and judged by kcat.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthenticationError, KafkaBrokerError, KafkaProducer } from "../../mod.ts";
import { secureListeners, uniqueTopic } from "../_lib/kafka.ts";
import { startKafkaProxy } from "../_lib/kafka_proxy.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { assertDelivered, assertExactlyOnce, errorOf, FAST, proxied, sendTo } from "./harness.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const REBOOTSTRAP_REQUIRED = 129;

test(
  "M1: topic errors UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE: metadata asked again, delivered",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("errors-m1");
    await createTopic(topic, 1);
    const { proxy, producer, close } = await proxied();
    try {
      const rules = [3, 5].map((code) =>
        proxy.addRule({ api: "Metadata", action: { replaceError: { code, topic } } })
      );
      assertDelivered([await sendTo(producer, topic, 0, "v")]);
      assert.deepEqual(rules.map((r) => r.hits), [1, 1]);
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, ["v"]);
  },
);

test(
  "M2: topic errors INVALID_TOPIC_EXCEPTION, TOPIC_AUTHORIZATION_FAILED: the send rejects at once",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const { proxy, producer, close } = await proxied();
    try {
      for (const code of [17, 29]) {
        const topic = uniqueTopic("errors-m2");
        await createTopic(topic, 1);
        proxy.addRule({ api: "Metadata", action: { replaceError: { code, topic } } });
        const start = Date.now();
        const error = errorOf(await sendTo(producer, topic, 0, "v"));
        assert.ok(error instanceof KafkaBrokerError && error.code === code, `${error}`);
        assert.ok(Date.now() - start < FAST.maxBlockMs!, "rejected only at maxBlockMs");
      }
    } finally {
      await close();
    }
  },
);

test(
  "M3: partition errors LEADER_NOT_AVAILABLE, LISTENER_NOT_FOUND: no leader yet, asked again, delivered",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("errors-m3");
    await createTopic(topic, 1);
    const { proxy, producer, close } = await proxied();
    try {
      const rules = [5, 72].map((code) =>
        proxy.addRule({ api: "Metadata", action: { replaceError: { code, topic, partition: 0 } } })
      );
      assertDelivered([await sendTo(producer, topic, 0, "v")]);
      assert.deepEqual(rules.map((r) => r.hits), [1, 1]);
      assert.ok(proxy.requests("Metadata").length >= 3);
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, ["v"]);
  },
);

test(
  "M4: partition error REPLICA_NOT_AVAILABLE: the leader is used as it is",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("errors-m4");
    await createTopic(topic, 1);
    const { proxy, producer, close } = await proxied();
    try {
      proxy.addRule({
        api: "Metadata",
        times: Infinity,
        action: { replaceError: { code: 9, topic, partition: 0 } },
      });
      assertDelivered([await sendTo(producer, topic, 0, "v")]);
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, ["v"]);
  },
);

for (const strategy of ["rebootstrap", "none"] as const) {
  test(
    `M5: Metadata v13 top-level REBOOTSTRAP_REQUIRED, metadataRecoveryStrategy ${strategy}: the response is not used; ${
      strategy === "rebootstrap"
        ? "metadata is asked of the bootstrap address again"
        : "the known broker is asked again"
    }`,
    { timeout: BROKER_TIMEOUT_MS },
    async () => {
      const [first, second] = [uniqueTopic("errors-m5"), uniqueTopic("errors-m5")];
      await createTopic(first, 1);
      await createTopic(second, 1);
      const { proxy, producer, close } = await proxied({ metadataRecoveryStrategy: strategy });
      try {
        assertDelivered([await sendTo(producer, first, 0, "v1")]); // metadata from the brokers now
        const rule = proxy.addRule({
          api: "Metadata",
          match: (r) => r.version >= 13,
          action: { replaceError: { code: REBOOTSTRAP_REQUIRED } },
        });
        assertDelivered([await sendTo(producer, second, 0, "v2")]); // a new topic: a refresh
        assert.equal(rule.hits, 1);
        const metadata = proxy.requests("Metadata");
        const refused = metadata.findIndex((r) => r.actions.length > 0);
        const [bootstrap, after] = [metadata[0], metadata[refused + 1]];
        assert.ok(after, "no Metadata request after the error");
        // The first request went to the bootstrap address; the refused one to the broker (the
        // producer's connection to node 1, another connection through the same listener).
        assert.notEqual(metadata[refused].connection, bootstrap.connection);
        if (strategy === "rebootstrap") {
          assert.equal(
            after.connection,
            bootstrap.connection,
            "not asked of the bootstrap address",
          );
        } else {
          assert.equal(after.connection, metadata[refused].connection, "not asked of the broker");
        }
      } finally {
        await close();
      }
      await assertExactlyOnce(first, ["v1"]);
      await assertExactlyOnce(second, ["v2"]);
    },
  );
}

test(
  "A1, A2: ApiVersions UNSUPPORTED_VERSION (asked again at the version named), INVALID_REQUEST and UNKNOWN_SERVER_ERROR (connection dropped, reconnected): delivered",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("errors-a");
    await createTopic(topic, 1);
    const { proxy, producer, close } = await proxied();
    try {
      const rules = [35, 42, -1].map((code) =>
        proxy.addRule({ api: "ApiVersions", action: { respond: code } })
      );
      assertDelivered([await sendTo(producer, topic, 0, "v")]);
      assert.deepEqual(rules.map((r) => r.hits), [1, 1, 1]);
      const [unsupported, again, invalid, unknown] = proxy.requests("ApiVersions");
      assert.equal(again.connection, unsupported.connection, "asked again on the same connection");
      assert.notEqual(unknown.connection, invalid.connection, "reconnected after INVALID_REQUEST");
      assert.ok(proxy.requests("ApiVersions").length >= 4);
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, ["v"]);
  },
);

/** A producer authenticating with PLAIN through a proxy in front of the SASL_PLAINTEXT listener. */
async function saslProducer() {
  const secure = secureListeners();
  const proxy = await startKafkaProxy(secure.saslPlaintext);
  const producer = new KafkaProducer({
    ...FAST,
    bootstrapServers: [proxy.bootstrap],
    sasl: { mechanism: "PLAIN", username: secure.username, password: secure.password },
  });
  return {
    proxy,
    producer,
    async close() {
      await producer.close({ timeoutMs: 5_000 }).catch(() => {});
      await proxy.close();
    },
  };
}

test(
  "S1: SaslAuthenticate SASL_AUTHENTICATION_FAILED, ILLEGAL_SASL_STATE: AuthenticationError, no retry storm",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    for (const code of [58, 34]) {
      const topic = uniqueTopic("errors-s1");
      await createTopic(topic, 1);
      const { proxy, producer, close } = await saslProducer();
      try {
        proxy.addRule({ api: "SaslAuthenticate", times: Infinity, action: { respond: code } });
        const error = errorOf(await sendTo(producer, topic, 0, "v"));
        assert.ok(error instanceof AuthenticationError, `${code}: ${error}`);
        assert.ok(
          proxy.requests("SaslAuthenticate").length <= 3,
          "authentication retried over and over",
        );
      } finally {
        await close();
      }
    }
  },
);

test(
  "S2: SaslAuthenticate UNKNOWN_SERVER_ERROR: the connection fails and is retried, the send delivered",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("errors-s2");
    await createTopic(topic, 1);
    const { proxy, producer, close } = await saslProducer();
    try {
      proxy.addRule({ api: "SaslAuthenticate", action: { respond: -1 } });
      assertDelivered([await sendTo(producer, topic, 0, "v")]);
    } finally {
      await close();
    }
    await assertExactlyOnce(topic, ["v"]);
  },
);
