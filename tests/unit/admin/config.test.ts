/**
 * KafkaAdmin's options: validated like the producer's, so a bad value rejects `connect()` with a
 * ConfigError naming the field (and no secret quoted) before any connection is tried.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, KafkaAdmin } from "../../../mod.ts";
import { resolveAdminOptions } from "../../../src/admin/config.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const PASSWORD = "pa55-word-never-shown";
const base = { bootstrapServers: ["127.0.0.1:9"] };

test("bad admin options reject connect() with a ConfigError naming the field", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const cases: [unknown, string][] = [
    [{}, "bootstrapServers"],
    [{ bootstrapServers: [] }, "bootstrapServers"],
    [{ bootstrapServers: ["no-port"] }, "bootstrapServers.0"],
    [{ ...base, clientId: 7 }, "clientId"],
    [{ ...base, requestTimeoutMs: -1 }, "requestTimeoutMs"],
    [{ ...base, requestTimeoutMs: 1.5 }, "requestTimeoutMs"],
    [{ ...base, transport: "carrier-pigeon" }, "transport"],
    [{ ...base, ssl: { ca: "not a pem" } }, "ssl.ca"],
    [{ ...base, ssl: { cert: "-----BEGIN CERTIFICATE-----" } }, "ssl.key"],
    [
      { ...base, sasl: { mechanism: "GSSAPI", username: "u", password: PASSWORD } },
      "sasl.mechanism",
    ],
    [{ ...base, sasl: { mechanism: "PLAIN", username: "u" } }, "sasl.password"],
    [{ ...base, lingerMs: 5 }, "lingerMs"],
  ];
  for (const [options, field] of cases) {
    const shown = JSON.stringify(options);
    const check = (error: unknown) => {
      assert.ok(error instanceof ConfigError, `${shown}: ${error}`);
      assert.equal(error.field, field, `${shown}: ${error.message}`);
      assert.match(error.message, /^invalid admin config: /);
      assert.ok(!error.message.includes(PASSWORD), shown);
      return true;
    };
    assert.throws(() => resolveAdminOptions(options), check);
    await assert.rejects(KafkaAdmin.connect(options as never), check);
  }
});

test("admin defaults, and ssl and sasl resolved for the connection", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const plain = resolveAdminOptions(base);
  assert.equal(plain.clientId, "kafka-edge-admin");
  assert.equal(plain.requestTimeoutMs, 30_000);
  assert.equal(plain.tls, undefined);
  assert.equal(plain.sasl, undefined);
  const secure = resolveAdminOptions({
    ...base,
    ssl: { rejectUnauthorized: false },
    sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: PASSWORD },
  });
  assert.deepEqual(secure.tls?.options, { rejectUnauthorized: false });
  assert.equal(secure.sasl?.name, "SCRAM-SHA-512");
  assert.ok(!JSON.stringify(secure).includes(PASSWORD));
});
