/**
 * SASL against the real broker's listeners (broker.sh --secure): PLAIN over SASL_SSL, SCRAM-SHA-256
 * over SASL_PLAINTEXT, SCRAM-SHA-512 over SASL_SSL and OAUTHBEARER, each producing records that
 * kcat reads back; wrong passwords, an expired token and a mechanism the listener lacks each fail
 * fast with an AuthenticationError, once, with no reconnection and no secret in the error.
 * Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthenticationError, KafkaProducer, type ProducerConfig } from "../../mod.ts";
import { countingTransport } from "../_lib/counting_transport.ts";
import { kcat, readTopic, secureListeners, uniqueTopic, unsecuredToken } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const secure = secureListeners();
const password = { username: secure.username, password: secure.password };

/** Sends `count` keyed records through a producer made from `config`; returns their values. */
async function produce(config: ProducerConfig, topic: string, count: number): Promise<string[]> {
  const producer = new KafkaProducer(config);
  const values = Array.from({ length: count }, (_, i) => `${topic} #${i}`);
  try {
    const sent = await Promise.all(
      values.map((value, i) => producer.send({ topic, key: `k${i % 7}`, value })),
    );
    assert.ok(sent.every((meta) => meta.topic === topic && meta.offset >= 0n));
  } finally {
    await producer.close();
  }
  return values;
}

const mechanisms: [string, string, (topic: string) => ProducerConfig][] = [
  ["PLAIN", "SASL_SSL", () => ({
    bootstrapServers: [secure.saslSsl],
    ssl: { ca: secure.ca },
    sasl: { mechanism: "PLAIN", ...password },
  })],
  ["SCRAM-SHA-256", "SASL_PLAINTEXT", () => ({
    bootstrapServers: [secure.saslPlaintext],
    sasl: { mechanism: "SCRAM-SHA-256", ...password },
  })],
  ["SCRAM-SHA-512", "SASL_SSL", () => ({
    bootstrapServers: [secure.saslSsl],
    ssl: { ca: secure.ca },
    sasl: { mechanism: "SCRAM-SHA-512", ...password },
  })],
  ["OAUTHBEARER", "SASL_PLAINTEXT", () => ({
    bootstrapServers: [secure.oauthBearer],
    sasl: {
      mechanism: "OAUTHBEARER",
      oauthBearerProvider: () => {
        const expiresAtMs = Date.now() + 3_600_000;
        return Promise.resolve({ value: unsecuredToken("alice", expiresAtMs), expiresAtMs });
      },
    },
  })],
];

for (const [mechanism, listener, config] of mechanisms) {
  test(`${mechanism} over ${listener}: records written are read back by kcat`, {
    timeout: BROKER_TIMEOUT_MS,
  }, async () => {
    const topic = uniqueTopic(`sasl-${mechanism.toLowerCase()}`);
    await createTopic(topic, 2);
    const values = await produce(config(topic), topic, 300);
    const read = await readTopic(topic); // over the PLAINTEXT listener of the same broker
    assert.deepEqual(read.map((r) => r.value).sort(), [...values].sort());
  });
}

test("kcat (librdkafka) reads PLAIN-over-SASL_SSL records back through SASL_SSL itself", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("sasl-kcat");
  await createTopic(topic, 1);
  const values = await produce(mechanisms[0][2](topic), topic, 20);
  const out = await kcat([
    ...["-b", secure.saslSsl, "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=PLAIN"],
    ...["-X", `sasl.username=${secure.username}`, "-X", `sasl.password=${secure.password}`],
    ...["-X", `ssl.ca.location=${secure.caPath}`, "-C", "-e", "-q", "-t", topic, "-f", "%s\n"],
  ]);
  assert.deepEqual(new TextDecoder().decode(out).trim().split("\n"), values);
});

/**
 * Asserts that a producer whose authentication the broker refuses rejects every send quickly
 * with an AuthenticationError naming `mechanism` and matching `brokerMessage`, connects once,
 * and never shows `secret`.
 */
async function assertRefused(
  config: ProducerConfig,
  mechanism: string,
  brokerMessage: RegExp,
  secret: string,
): Promise<void> {
  const counting = countingTransport();
  const producer = new KafkaProducer({ ...config, transport: counting.transport });
  const topic = uniqueTopic("sasl-refused");
  const started = Date.now();
  const results = await Promise.allSettled(
    Array.from({ length: 5 }, (_, i) => producer.send({ topic, value: `v${i}` })),
  );
  const elapsedMs = Date.now() - started;
  for (const result of results) {
    assert.equal(result.status, "rejected");
    const error = (result as PromiseRejectedResult).reason;
    assert.ok(error instanceof AuthenticationError, `got ${error}`);
    assert.equal(error.mechanism, mechanism);
    assert.match(error.message, brokerMessage);
    assert.equal(error.retriable, false);
    const shown = `${error.message} ${error.stack} ${String(error.cause ?? "")}`;
    assert.ok(!shown.includes(secret), "the secret appears in the error");
  }
  assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);
  // Later sends fail at once, and nothing reconnects meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await assert.rejects(producer.send({ topic, value: "later" }), AuthenticationError);
  assert.equal(counting.connects, 1, "connection attempts");
  await producer.close();
}

test("a wrong PLAIN password fails every send quickly, with one connection attempt", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const wrong = "wrong-password-plain-1234";
  await assertRefused(
    {
      bootstrapServers: [secure.saslSsl],
      ssl: { ca: secure.ca },
      sasl: { mechanism: "PLAIN", username: secure.username, password: wrong },
    },
    "PLAIN",
    /Invalid username or password/,
    wrong,
  );
});

test("a wrong SCRAM-SHA-512 password fails every send quickly, with one connection attempt", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const wrong = "wrong-password-scram-5678";
  await assertRefused(
    {
      bootstrapServers: [secure.saslPlaintext],
      sasl: { mechanism: "SCRAM-SHA-512", username: secure.username, password: wrong },
    },
    "SCRAM-SHA-512",
    /invalid credentials/i,
    wrong,
  );
});

test("an expired OAUTHBEARER token fails every send quickly, with one connection attempt", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const expiresAtMs = Date.now() - 60_000;
  const token = unsecuredToken("alice", expiresAtMs);
  await assertRefused(
    {
      bootstrapServers: [secure.oauthBearer],
      sasl: {
        mechanism: "OAUTHBEARER",
        oauthBearerProvider: () => Promise.resolve({ value: token, expiresAtMs }),
      },
    },
    "OAUTHBEARER",
    /invalid_token/,
    token,
  );
});

test("a mechanism the listener has not enabled is refused, naming the enabled ones", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  await assertRefused(
    { bootstrapServers: [secure.oauthBearer], sasl: { mechanism: "SCRAM-SHA-256", ...password } },
    "SCRAM-SHA-256",
    /UNSUPPORTED_SASL_MECHANISM.*OAUTHBEARER/,
    secure.password,
  );
});
