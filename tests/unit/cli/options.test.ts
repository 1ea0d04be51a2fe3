/** The CLI's command line: flags to producer settings, and clear errors for bad ones. */

import assert from "node:assert/strict";
import { test } from "node:test";
import { configName, parseOptions, UsageError } from "../../../src/cli/options.ts";
import { UNIT_TIMEOUT_MS } from "../../_lib/timeouts.ts";

const required = ["-b", "127.0.0.1:9092,127.0.0.1:9093", "-t", "events"];

test("flags map to producer settings; -X takes camelCase or Java names with typed values", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const options = parseOptions([
    ...required,
    "--acks=1",
    "--linger-ms",
    "20",
    "--batch-size",
    "65536",
    "--compression",
    "lz4",
    "-X",
    "max.in.flight.requests.per.connection=1",
    "-X",
    "enableIdempotence=false",
    "-X",
    "client.id=cli=1",
    "-p",
    "2",
  ]);
  assert.deepEqual(options.config, {
    bootstrapServers: ["127.0.0.1:9092", "127.0.0.1:9093"],
    acks: 1,
    lingerMs: 20,
    batchSize: 65536,
    compressionType: "lz4",
    maxInFlightRequestsPerConnection: 1,
    enableIdempotence: false,
    clientId: "cli=1",
  });
  assert.equal(options.topic, "events");
  assert.equal(options.partition, 2);
  assert.equal(parseOptions([...required, "--acks", "all"]).config.acks, "all");
});

test("key separator, repeated headers, progress and quiet", { timeout: UNIT_TIMEOUT_MS }, () => {
  const options = parseOptions([...required, "-K", "::", "-H", "a=1", "-H", "a=2=x", "-q"]);
  assert.deepEqual(options.keySeparator, new TextEncoder().encode("::"));
  assert.deepEqual(options.headers, [["a", "1"], ["a", "2=x"]]);
  assert.equal(options.quiet, true);
  assert.equal(options.progress, undefined);
  assert.equal(parseOptions([...required, "--no-progress"]).progress, false);
});

test("Java names become camelCase", { timeout: UNIT_TIMEOUT_MS }, () => {
  assert.equal(configName("linger.ms"), "lingerMs");
  assert.equal(configName("bootstrap.servers"), "bootstrapServers");
  assert.equal(configName("lingerMs"), "lingerMs");
});

test("bad command lines throw UsageError with the reason", { timeout: UNIT_TIMEOUT_MS }, () => {
  const cases: [string[], RegExp][] = [
    [["-t", "events"], /--bootstrap-server is required/],
    [["-b", "h:1"], /--topic is required/],
    [[...required, "--linger-ms", "soon"], /--linger-ms expects an integer, got "soon"/],
    [[...required, "-H", "novalue"], /-H expects NAME=VALUE/],
    [[...required, "-K", ""], /non-empty separator/],
    [[...required, "--topic"], /--topic needs a value/],
    [[...required, "-z"], /unknown option "-z"/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseOptions(args), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.equal(parseOptions(["--help"]).help, true);
});
