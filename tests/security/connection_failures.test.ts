/**
 * Connection failures keep their cause and say what happened (issue 14), against the secure
 * broker's listeners:
 * - an X.509 v1 client certificate (signed by the broker's CA): Deno's TLS refuses it before the
 *   handshake ("UnsupportedCertVersion"), which is a TlsError at once, after one attempt; Node's
 *   and Bun's TLS take it, and the records are delivered;
 * - a plaintext client on the TLS port: a TimeoutError at maxBlockMs whose cause is the last
 *   connection error, which its message repeats: the port answered with TLS;
 * - a TLS client on the plaintext port: a TlsError saying the connection closed during the
 *   handshake, not that a certificate was refused (none came).
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KafkaProducer, ProtocolError, TimeoutError, TlsError } from "../../mod.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { countingTransport } from "../_lib/counting_transport.ts";
import { bootstrapServers, secureListeners, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const secure = secureListeners();
const runtime = detectTransport().name;

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, (error, _stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args[0]} failed: ${stderr}`, { cause: error }));
      else resolve();
    });
  });
}

/** A client certificate without extensions (X.509 v1), signed by the broker's CA. */
async function v1ClientCertificate(): Promise<{ cert: string; key: string }> {
  const dir = mkdtempSync(join(tmpdir(), "kafka-edge-v1-"));
  const caDir = secure.caPath.replace(/\/ca\.pem$/, "");
  try {
    const [key, csr, cert] = ["v1.key", "v1.csr", "v1.pem"].map((f) => join(dir, f));
    await openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj"]
      .concat(["/CN=v1-client", "-out", csr]));
    await openssl(["x509", "-req", "-in", csr, "-CA", secure.caPath, "-CAkey"]
      .concat([`${caDir}/ca.key`, "-set_serial", "1", "-days", "1", "-out", cert]));
    return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("an X.509 v1 client certificate: a TlsError at once on Deno, delivered elsewhere", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("tls-v1-cert");
  await createTopic(topic, 1);
  const counting = countingTransport();
  const producer = new KafkaProducer({
    bootstrapServers: [secure.ssl],
    ssl: { ca: secure.ca, ...await v1ClientCertificate() },
    transport: counting.transport,
    maxBlockMs: 20_000,
  });
  try {
    const sent = producer.send({ topic, value: "v1" });
    if (runtime === "deno") {
      await assert.rejects(sent, (error: Error) => {
        assert.ok(error instanceof TlsError, `${error}`);
        assert.match(error.message, /UnsupportedCertVersion/);
        return true;
      });
      assert.equal(counting.connects, 1, "connection attempts");
    } else {
      assert.equal((await sent).offset, 0n);
    }
  } finally {
    await producer.close();
  }
});

test("a plaintext client on the TLS port: TimeoutError whose cause and message say TLS", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const producer = new KafkaProducer({ bootstrapServers: [secure.ssl], maxBlockMs: 3_000 });
  try {
    await assert.rejects(
      producer.send({ topic: "plaintext-on-tls", value: "v" }),
      (error: Error) => {
        assert.ok(error instanceof TimeoutError, `${error}`);
        assert.ok(error.cause instanceof ProtocolError, `cause: ${error.cause}`);
        assert.match(error.message, /maxBlockMs; last error: .*answered with TLS.*TLS listener/);
        return true;
      },
    );
  } finally {
    await producer.close();
  }
});

test("a TLS client on the plaintext port: a TlsError that says the handshake was cut", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const producer = new KafkaProducer({
    bootstrapServers: bootstrapServers(),
    ssl: { ca: secure.ca },
    maxBlockMs: 20_000,
  });
  try {
    await assert.rejects(
      producer.send({ topic: "tls-on-plaintext", value: "v" }),
      (error: Error) => {
        assert.ok(error instanceof TlsError, `${error}`);
        assert.doesNotMatch(error.message, /certificate was refused/);
        assert.match(error.message, /end of file|closed|disconnected/i);
        return true;
      },
    );
  } finally {
    await producer.close();
  }
});
