/**
 * scripts/demo.sh, the first command of the README, against the test broker (KAFKA_BOOTSTRAP
 * overrides the broker it would start): it prints each record written, the throughput, and what
 * kcat reads back, and no terminal escape codes under NO_COLOR. It tests a script, not a runtime:
 * scripts/test.sh runs it on Deno only.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { bootstrapServers } from "../_lib/kafka.ts";
import { runProcess } from "../_lib/run_process.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("the demo prints what it wrote, the throughput and kcat's reading, without escape codes", {
  timeout: HARNESS_TIMEOUT_MS,
}, async () => {
  const result = await runProcess("bash", ["scripts/demo.sh"], "", {
    cwd: root,
    timeoutMs: 180_000,
    env: { KAFKA_BOOTSTRAP: bootstrapServers().join(","), NO_COLOR: "1" },
  });
  assert.equal(result.code, 0, result.stderr);
  const out = result.stdout;
  assert.match(out, new RegExp(`^--- Kafka at ${bootstrapServers().join(",")}, topic `, "m"));
  const written = out.match(/^kafka-edge-demo-\d+\[\d\] offset \d+ timestamp \d+$/gm) ?? [];
  assert.equal(written.length, 5, out);
  assert.match(
    out,
    /^throughput: 200000 records of 100 B in [\d.]+ s = [\d,]+ records\/s .* 0 failed$/m,
  );
  const readBack = out.slice(out.indexOf("as kcat reads them back"));
  assert.equal(readBack.match(/\tsource=demo$/gm)?.length, 5, out);
  assert.ok(!(out + result.stderr).includes("\x1b"), `escape codes in:\n${out}${result.stderr}`);
});
