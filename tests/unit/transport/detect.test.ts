/**
 * Runtime detection: each runtime gets its own adapter, and naming an adapter whose runtime is
 * absent (here: Cloudflare Workers) is a ConfigError on `transport`. Runs on Deno, Bun and Node;
 * tests/workers/ checks the detection inside workerd.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, KafkaProducer } from "../../../mod.ts";
import { detectTransport, resolveTransport } from "../../../src/transport/detect.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";

test("the detected transport is the runtime's own", { timeout: UNIT_TIMEOUT_MS }, () => {
  assert.equal(detectTransport().name, runtime);
  assert.equal(resolveTransport(undefined).name, runtime);
});

test('transport "workers" outside Workers is a ConfigError naming the field', {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  assert.throws(() => resolveTransport("workers"), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.field, "transport");
    assert.match(error.message, /"workers" is not available/);
    return true;
  });
  assert.throws(
    () => new KafkaProducer({ bootstrapServers: ["127.0.0.1:1"], transport: "workers" }),
    (error: unknown) => error instanceof ConfigError && error.field === "transport",
  );
});
