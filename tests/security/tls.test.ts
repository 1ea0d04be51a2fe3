/**
 * TLS against the real broker's SSL listener (mutual TLS: it wants the client certificate made by
 * broker.sh --secure): records written are read back by kcat over TLS; large batches through a
 * stalled relay keep partial TLS writes in the retained send buffer and lose nothing (runtime's
 * adapter and node:tls); an untrusted CA, a wrong name or a missing client certificate fail fast
 * with a TlsError after one connection attempt. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { KafkaProducer, type ProducerConfig, type RecordMetadata, TlsError } from "../../mod.ts";
import { detectTransport, resolveTransport } from "../../src/transport/detect.ts";
import type { Transport } from "../../src/transport/transport.ts";
import { countingTransport } from "../_lib/counting_transport.ts";
import { kcat, readTopic, secureListeners, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { throughRelays } from "../_lib/relay.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const secure = secureListeners();
const mutualTls = { ca: secure.ca, cert: secure.clientCert, key: secure.clientKey };

test("SSL with a client certificate: records are read back by kcat over TLS", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("tls-mtls");
  await createTopic(topic, 1);
  const producer = new KafkaProducer({ bootstrapServers: [secure.ssl], ssl: mutualTls });
  const values = Array.from({ length: 200 }, (_, i) => `tls #${i}`);
  try {
    await Promise.all(values.map((value) => producer.send({ topic, value })));
  } finally {
    await producer.close();
  }
  const tlsDir = secure.caPath.replace(/\/ca\.pem$/, "");
  const out = await kcat([
    ...["-b", secure.ssl, "-X", "security.protocol=SSL", "-X", `ssl.ca.location=${secure.caPath}`],
    ...["-X", `ssl.certificate.location=${tlsDir}/client.pem`],
    ...["-X", `ssl.key.location=${tlsDir}/client.key`, "-C", "-e", "-q", "-t", topic, "-f", "%s\n"],
  ]);
  assert.deepEqual(new TextDecoder().decode(out).trim().split("\n"), values);
});

const transports: Transport[] = [detectTransport()];
if (transports[0].name !== "node") transports.push(resolveTransport("node"));

for (const transport of transports) {
  test(`${transport.name} transport: large batches over TLS through a stalled relay arrive whole`, {
    timeout: BROKER_TIMEOUT_MS,
  }, async () => {
    const topic = uniqueTopic(`tls-partial-${transport.name}`);
    await createTopic(topic, 2);
    const relayed = throughRelays(transport, { maxChunk: 16 * 1024 });
    const producer = new KafkaProducer({
      bootstrapServers: [secure.ssl],
      ssl: mutualTls,
      transport: relayed,
      batchSize: 1024 * 1024,
      maxRequestSize: 4 * 1024 * 1024,
      lingerMs: 20,
    });
    const count = 6000;
    const value = (i: number) => `${i}:`.padEnd(1000, String.fromCharCode(97 + (i % 26)));
    const send = (i: number) => producer.send({ topic, key: `k${i % 20}`, value: value(i) });
    let metas: RecordMetadata[];
    try {
      const first = await send(0);
      for (const relay of relayed.relays()) relay.pause();
      const rest = Array.from({ length: count - 1 }, (_, i) => send(i + 1));
      for (let waited = 0; relayed.retainedWrites === 0 && waited < 5000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const relay of relayed.relays()) relay.resume();
      metas = [first, ...await Promise.all(rest)];
    } finally {
      await producer.close();
      await relayed.close();
    }
    assert.ok(relayed.retainedWrites > 0, "no TLS write was partial: the buffer was not exercised");
    const read = await readTopic(topic);
    assert.equal(read.length, count);
    const byPosition = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r.value]));
    metas.forEach((m, i) => assert.equal(byPosition.get(`${m.partition}/${m.offset}`), value(i)));
  });
}

/** Asserts that every send fails fast with a TlsError after a single connection attempt. */
async function assertTlsRefused(ssl: ProducerConfig["ssl"], reason: RegExp): Promise<void> {
  const counting = countingTransport();
  const producer = new KafkaProducer({
    bootstrapServers: [secure.ssl],
    ssl,
    transport: counting.transport,
  });
  const started = Date.now();
  const results = await Promise.allSettled(
    [1, 2, 3].map((i) => producer.send({ topic: "tls-refused", value: `v${i}` })),
  );
  const elapsedMs = Date.now() - started;
  for (const result of results) {
    assert.equal(result.status, "rejected");
    const error = (result as PromiseRejectedResult).reason;
    assert.ok(error instanceof TlsError, `got ${error}`);
    assert.equal(error.mechanism, "TLS");
    assert.match(error.message, reason);
  }
  assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(counting.connects, 1, "connection attempts");
  await producer.close();
}

test("a CA that did not sign the broker's certificate fails fast with a TlsError", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  await assertTlsRefused(
    { ...mutualTls, ca: secure.otherCa },
    /certificate|UnknownIssuer|issuer/i,
  );
});

test("a servername the broker's certificate does not carry fails with a TlsError", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  await assertTlsRefused(
    { ...mutualTls, servername: "kafka.example.com" },
    /kafka\.example\.com|altnames|name/i,
  );
});

test("no client certificate where the broker wants one fails fast with a TlsError", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  // With TLS 1.3 the client's handshake completes; the broker's refusal is an alert after it.
  await assertTlsRefused({ ca: secure.ca }, /alert/i);
});

test(
  "rejectUnauthorized: false accepts an untrusted broker (Node and Bun); Deno refuses the option",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("tls-unverified");
    await createTopic(topic, 1);
    const producer = new KafkaProducer({
      bootstrapServers: [secure.ssl],
      ssl: { ...mutualTls, ca: secure.otherCa, rejectUnauthorized: false },
    });
    const sent = producer.send({ topic, value: "unverified" });
    try {
      if (detectTransport().name === "deno") {
        await assert.rejects(
          sent,
          (error) => error instanceof TlsError && /rejectUnauthorized/.test(error.message),
        );
      } else {
        assert.equal((await sent).offset, 0n);
        assert.deepEqual((await readTopic(topic)).map((r) => r.value), ["unverified"]);
      }
    } finally {
      await producer.close();
    }
  },
);
