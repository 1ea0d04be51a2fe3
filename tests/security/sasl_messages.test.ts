/**
 * SaslHandshake v1 and SaslAuthenticate at every version this code speaks (v0-v2), sent by hand
 * to the broker's REAUTH listener (3 s sessions): the request is accepted, the response decodes
 * to the last byte, and v1+ carries the session lifetime. A wrong password gives
 * SASL_AUTHENTICATION_FAILED with the broker's message at every version. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Connection } from "../../src/client/connection.ts";
import { parseEndpoint } from "../../src/client/bootstrap.ts";
import { ErrorCode, errorName } from "../../src/error_codes.ts";
import { SaslAuthenticate } from "../../src/protocol/messages/sasl_authenticate.ts";
import { SaslHandshake } from "../../src/protocol/messages/sasl_handshake.ts";
import { detectTransport } from "../../src/transport/detect.ts";
import { secureListeners } from "../_lib/kafka.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";

const secure = secureListeners();

function open(): Promise<Connection> {
  return Connection.open(detectTransport(), parseEndpoint(secure.reauth), {
    clientId: "kafka-edge-tests",
    requestTimeoutMs: 15_000,
    maxResponseSize: 1 << 20,
    softwareName: "kafka-edge-tests",
    softwareVersion: "0",
  });
}

/** PLAIN's one message, by hand. */
const plain = (password: string) => new TextEncoder().encode(`\0${secure.username}\0${password}`);

test("SaslAuthenticate v0-v2: accepted, decoded whole, session lifetime from v1", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  for (
    let version = SaslAuthenticate.minVersion;
    version <= SaslAuthenticate.maxVersion;
    version++
  ) {
    const connection = await open();
    try {
      assert.equal(connection.versionOf(SaslHandshake), 1);
      assert.ok(connection.versionOf(SaslAuthenticate) >= version);
      const handshake = await connection.request(SaslHandshake, { mechanism: "PLAIN" });
      assert.equal(handshake.errorCode, ErrorCode.NONE);
      assert.ok(handshake.mechanisms.includes("SCRAM-SHA-512"), `${handshake.mechanisms}`);
      const response = await connection.request(
        SaslAuthenticate,
        { authBytes: plain(secure.password) },
        version,
      );
      assert.equal(response.errorCode, ErrorCode.NONE, `v${version}: ${response.errorMessage}`);
      if (version === 0) {
        assert.equal(response.sessionLifetimeMs, 0n);
      } else {
        const lifetime = Number(response.sessionLifetimeMs);
        assert.ok(lifetime > 0 && lifetime <= secure.reauthMs, `v${version}: ${lifetime} ms`);
      }
    } finally {
      connection.close();
    }
  }
});

test("SaslAuthenticate v0-v2: a wrong password is SASL_AUTHENTICATION_FAILED with a message", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  for (
    let version = SaslAuthenticate.minVersion;
    version <= SaslAuthenticate.maxVersion;
    version++
  ) {
    const connection = await open();
    try {
      await connection.request(SaslHandshake, { mechanism: "PLAIN" });
      const response = await connection.request(
        SaslAuthenticate,
        { authBytes: plain("not-the-password") },
        version,
      );
      assert.equal(errorName(response.errorCode), "SASL_AUTHENTICATION_FAILED");
      assert.match(response.errorMessage ?? "", /Invalid username or password/);
    } finally {
      connection.close();
    }
  }
});
