/**
 * The `ssl` and `sasl` settings: bad values fail with the field named and without quoting any
 * secret; passwords, private keys and the token provider never show in the resolved config's
 * JSON, string or inspection, nor in the producer's. Runs on Deno, Bun and Node.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { ConfigError, KafkaProducer } from "../../../mod.ts";
import { resolveProducerConfig } from "../../../src/producer/config.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const base = { bootstrapServers: ["127.0.0.1:9"] };
const PASSWORD = "pa55-word-never-shown";
const KEY = "-----BEGIN PRIVATE KEY-----\nkey-material-never-shown\n-----END PRIVATE KEY-----";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";

test("bad ssl and sasl values fail with the field named and no secret quoted", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ sasl: { mechanism: "GSSAPI", username: "u", password: PASSWORD } }, "sasl.mechanism"],
    [{ sasl: { mechanism: "PLAIN", username: "u" } }, "sasl.password"],
    [{ sasl: { mechanism: "SCRAM-SHA-256", username: "", password: PASSWORD } }, "sasl.username"],
    [{ sasl: { mechanism: "SCRAM-SHA-512", username: "u", password: 42 } }, "sasl.password"],
    [{ sasl: { mechanism: "OAUTHBEARER" } }, "sasl.oauthBearerProvider"],
    [{ sasl: { mechanism: "PLAIN", username: "u", password: PASSWORD, extra: 1 } }, "sasl"],
    [{ ssl: { ca: "not a pem" } }, "ssl.ca"],
    [{ ssl: { cert: CERT } }, "ssl.key"],
    [{ ssl: { key: KEY } }, "ssl.key"],
    [{ ssl: { rejectUnauthorized: "no" } }, "ssl.rejectUnauthorized"],
    [{ ssl: true }, "ssl"],
  ];
  for (const [config, field] of cases) {
    assert.throws(
      () => resolveProducerConfig({ ...base, ...config }),
      (error) => {
        assert.ok(error instanceof ConfigError, `${JSON.stringify(config)}: ${error}`);
        assert.equal(error.field, field, error.message);
        assert.ok(!error.message.includes(PASSWORD) && !error.message.includes("key-material"));
        return true;
      },
    );
  }
});

test("secrets appear in neither the resolved config nor the producer when shown", {
  timeout: UNIT_TIMEOUT_MS,
}, async () => {
  const token = "oauth-token-never-shown";
  const configs = [
    {
      ...base,
      ssl: { ca: CERT, cert: CERT, key: KEY },
      sasl: { mechanism: "SCRAM-SHA-512" as const, username: "alice", password: PASSWORD },
    },
    {
      ...base,
      sasl: {
        mechanism: "OAUTHBEARER" as const,
        oauthBearerProvider: () => Promise.resolve({ value: token, expiresAtMs: 0 }),
      },
    },
  ];
  for (const config of configs) {
    const resolved = resolveProducerConfig(config);
    assert.ok(resolved.sasl && (config.sasl.mechanism === "OAUTHBEARER" || resolved.tls));
    const producer = new KafkaProducer({ ...config, maxBlockMs: 0 });
    const shown = [
      JSON.stringify(resolved),
      String(resolved),
      inspect(resolved, { depth: 10, showHidden: true }),
      inspect(producer, { depth: 10, showHidden: true }),
      String(resolved.sasl),
      inspect(resolved.tls, { depth: 10, showHidden: true }),
    ].join("\n");
    for (const secret of [PASSWORD, "key-material", token, "oauthBearerProvider"]) {
      assert.ok(!shown.includes(secret), `${secret} is shown`);
    }
    assert.match(shown, /SCRAM-SHA-512|OAUTHBEARER/); // the check looked at real output
    await producer.close();
  }
});
