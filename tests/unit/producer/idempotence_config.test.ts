/**
 * Idempotence in the config: explicit conflicts fail naming the field, and the default gives way
 * to settings idempotence cannot have, as in the Java client. (Idempotence on the broker:
 * tests/producer/idempotence.test.ts.)
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../../mod.ts";
import { resolveProducerConfig } from "../../../src/producer/config.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

test("idempotence config: explicit conflicts fail, defaults give way as in the Java client", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const base = { bootstrapServers: ["127.0.0.1:9092"] };
  assert.equal(resolveProducerConfig(base).enableIdempotence, true);
  assert.equal(resolveProducerConfig({ ...base, acks: 1 }).enableIdempotence, false);
  assert.equal(
    resolveProducerConfig({ ...base, maxInFlightRequestsPerConnection: 6 }).enableIdempotence,
    false,
  );
  const conflicts: [Record<string, unknown>, string][] = [
    [{ acks: 1 }, "acks"],
    [{ acks: 0 }, "acks"],
    [{ maxInFlightRequestsPerConnection: 6 }, "maxInFlightRequestsPerConnection"],
    [{ retries: 0 }, "retries"],
  ];
  for (const [settings, field] of conflicts) {
    assert.throws(
      () => resolveProducerConfig({ ...base, enableIdempotence: true, ...settings }),
      (error: unknown) => error instanceof ConfigError && error.field === field,
    );
  }
});
