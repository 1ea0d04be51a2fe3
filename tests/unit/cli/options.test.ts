/** The CLI's command line: flags to producer settings, and clear errors for bad ones. */

import assert from "node:assert/strict";
import { test } from "node:test";
import { configName, parseDelimiter, parseOptions, UsageError } from "../../../src/cli/options.ts";
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
    [[...required, "-D", "\\xZZ"], /-D: \\x expects a hex number/],
    [[...required, "-l"], /-l reads exactly one FILE, not 0/],
    [[...required, "-l", "a.txt", "b.txt"], /-l reads exactly one FILE, not 2/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseOptions(args), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.equal(parseOptions(["--help"]).help, true);
  assert.equal(parseOptions(["-V"]).version, true);
  assert.equal(parseOptions(["--version"]).version, true);
});

test("kcat's -k, -D, -l and files; \\n, \\t and \\xHH escapes in separators", {
  timeout: UNIT_TIMEOUT_MS,
}, () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const defaults = parseOptions(required);
  assert.deepEqual(defaults.delimiter, bytes("\n"));
  assert.deepEqual([defaults.fixedKey, defaults.files, defaults.lines], [undefined, [], false]);

  const options = parseOptions([...required, "-k", "k1", "-D", "\\r\\n", "-K", "\\t=", "-l", "in"]);
  assert.deepEqual(options.fixedKey, bytes("k1"));
  assert.deepEqual(options.delimiter, bytes("\\r\n"), "\\r is no kcat escape: kept as it is");
  assert.deepEqual(options.keySeparator, bytes("\t="));
  assert.deepEqual([options.files, options.lines], [["in"], true]);

  assert.deepEqual(parseDelimiter("\\x1e|\\x0", "-D"), new Uint8Array([0x1e, 0x7c, 0x00]));
  assert.deepEqual(parseDelimiter("é", "-D"), bytes("é"));
  assert.deepEqual(parseOptions([...required, "a", "b"]).files, ["a", "b"]);
});
