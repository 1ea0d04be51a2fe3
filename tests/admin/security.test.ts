/**
 * KafkaAdmin over the secure listeners of the test broker (broker.sh --secure): SCRAM-SHA-512 and
 * PLAIN over SASL_SSL create a topic and read its metadata; kcat, over the plaintext listener,
 * sees the topic with its partitions. A wrong password and an untrusted broker certificate fail
 * connect() with an AuthenticationError (TlsError for the certificate), no secret in the error.
 * Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { type AdminOptions, AuthenticationError, KafkaAdmin, TlsError } from "../../mod.ts";
import { kcat, secureListeners, uniqueTopic } from "../_lib/kafka.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const secure = secureListeners();

for (const mechanism of ["SCRAM-SHA-512", "PLAIN"] as const) {
  test(`${mechanism} over SASL_SSL: createTopics and metadata, the topic seen by kcat`, {
    timeout: BROKER_TIMEOUT_MS,
  }, async () => {
    const topic = uniqueTopic(`admin-${mechanism.toLowerCase()}`);
    const admin = await KafkaAdmin.connect({
      bootstrapServers: [secure.saslSsl],
      ssl: { ca: secure.ca },
      sasl: { mechanism, username: secure.username, password: secure.password },
    });
    try {
      await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 1 }]);
      const deadline = Date.now() + 15_000;
      let partitions = 0;
      while (Date.now() < deadline) {
        const metadata = await admin.metadata([topic]);
        assert.ok(metadata.brokers.length >= 1);
        const info = metadata.topics[0];
        if (info?.errorCode === 0 && info.partitions.every((p) => p.leaderId >= 0)) {
          partitions = info.partitions.length;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(partitions, 3);
    } finally {
      admin.close();
    }
    // The independent view: kcat's metadata listing, over the plaintext listener.
    const listing = new TextDecoder().decode(await kcat(["-L", "-t", topic]));
    assert.match(listing, new RegExp(`topic "${topic}" with 3 partitions`));
  });
}

test("a wrong password and an untrusted certificate fail connect() with typed errors", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const wrong = "not-the-password";
  const options: AdminOptions = {
    bootstrapServers: [secure.saslSsl],
    ssl: { ca: secure.ca },
    sasl: { mechanism: "SCRAM-SHA-512", username: secure.username, password: wrong },
  };
  await assert.rejects(KafkaAdmin.connect(options), (error) => {
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.mechanism, "SCRAM-SHA-512");
    assert.ok(!error.message.includes(wrong));
    return true;
  });
  await assert.rejects(
    KafkaAdmin.connect({ ...options, ssl: { ca: secure.otherCa } }),
    (error) => error instanceof TlsError,
  );
});
