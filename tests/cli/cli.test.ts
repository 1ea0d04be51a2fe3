/**
 * The CLI end to end: lines piped into a child process of the runtime under test (`deno run`,
 * `bun`, `node` on the build), records read back by kcat; failures give exit code 1 and say why,
 * a bad command line or configuration exit code 2.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { cliCommand, type ProcessResult, runProcess } from "../_lib/run_process.ts";
import { BROKER_TIMEOUT_MS } from "../_lib/timeouts.ts";
import { SOFTWARE_VERSION } from "../../src/version.ts";

function runCli(args: readonly string[], input: string): Promise<ProcessResult> {
  const [command, prefix] = cliCommand();
  return runProcess(command, [
    ...prefix,
    "--bootstrap-server",
    bootstrapServers().join(","),
    ...args,
  ], input);
}

interface Line {
  key: string | null;
  value: string;
}

test("every line becomes a record: keys split at the separator, headers on each, order kept", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("cli-lines");
  await createTopic(topic, 3);
  const lines: Line[] = Array.from(
    { length: 3000 },
    (_, i) =>
      i % 10 === 0
        ? { key: null, value: `#${i} without a key` }
        : { key: `user-${i % 17}`, value: `#${i} ${"é".repeat(i % 9)} a::b` }, // "::" again in the value
  );
  lines.push({ key: "", value: "empty key" });
  lines.push({ key: "empty-value", value: "" });
  lines.push({ key: "big", value: "x".repeat(300_000) }); // spans many stdin chunks
  lines.push({ key: "last", value: "no newline at the end" });
  const text = lines.map((l, i) =>
    (l.key === null ? l.value : `${l.key}::${l.value}`) +
    (i === lines.length - 1 ? "" : i % 500 === 0 ? "\n\n" : "\n")
  ).join("");

  const result = await runCli([
    "--topic",
    topic,
    "-K",
    "::",
    "-H",
    "source=cli",
    "-H",
    "run=1",
    "--acks",
    "all",
    "--linger-ms",
    "20",
    "--batch-size",
    "32768",
  ], text);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(`^${lines.length.toLocaleString("en-US")} records .* 0 failed`, "m"),
  );

  const read = await readTopic(topic);
  assert.equal(read.length, lines.length, "one record per non-empty line");
  const byValue = new Map(lines.map((line, index) => [line.value, { ...line, index }]));
  const lastIndex = new Map<number, number>();
  for (const record of read.sort((a, b) => Number(a.offset - b.offset))) {
    const line = byValue.get(record.value ?? "");
    assert.ok(line, `unexpected value ${record.value?.slice(0, 40)}`);
    assert.equal(record.key, line.key);
    assert.equal(record.headers, "source=cli,run=1");
    // Within a partition, offsets follow the input order.
    assert.ok(line.index > (lastIndex.get(record.partition) ?? -1), `order in ${record.partition}`);
    lastIndex.set(record.partition, line.index);
  }
});

test("kcat's -k, -D and -l: a fixed key, another delimiter, records from a file", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("cli-kcat-flags");
  await createTopic(topic, 1);
  const stdin = await runCli(
    ["-t", topic, "-D", "\\x1e", "-K", "\\t", "-k", "fixed", "-q"],
    [
      "own\tfirst, with\nan inner newline",
      "second",
      "",
      "third",
    ].join("\x1e"),
  );
  assert.equal(stdin.code, 0, stdin.stderr);

  const dir = await mkdtemp(join(tmpdir(), "kafka-edge-cli-"));
  try {
    const lines = join(dir, "lines.txt");
    await writeFile(lines, "from-file:one\nfrom-file:two\n");
    const whole = join(dir, "whole.txt");
    await writeFile(whole, "one record\nof two lines\n");
    const fromFile = await runCli(["-t", topic, "-K", ":", "-l", lines, "-q"], "ignored\n");
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const wholeFile = await runCli(["-t", topic, "-k", "file", whole, "-q"], "ignored\n");
    assert.equal(wholeFile.code, 0, wholeFile.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const read = await readTopic(topic);
  assert.deepEqual(read.map((r) => [r.key, r.value]), [
    ["own", "first, with\nan inner newline"],
    ["fixed", "second"],
    ["fixed", "third"],
    ["from-file", "one"],
    ["from-file", "two"],
    ["file", "one record\nof two lines\n"],
  ]);
});

test("--version prints the package's version on stdout (deno.json's: scripts/check.sh)", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const [command, prefix] = cliCommand();
  const result = await runProcess(command, [...prefix, "--version"], "");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `kafka-edge ${SOFTWARE_VERSION}\n`);
});

test("a record that fails: exit code 1, the error named, the other records written", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("cli-too-large");
  await createTopic(topic, 1);
  const input = `first\n${"z".repeat(5000)}\nthird\n`;
  const result = await runCli(["-t", topic, "-X", "max.request.size=2048", "-q"], input);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /1 × RecordTooLargeError: .*maxRequestSize \(2048\)/);
  assert.match(result.stderr, /1 of 3 records failed/);
  assert.deepEqual((await readTopic(topic)).map((r) => r.value), ["first", "third"]);
});

test("an unknown topic: exit code 1 once maxBlockMs has passed, saying so", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("cli-missing");
  const result = await runCli(["-t", topic, "-X", "maxBlockMs=1500"], "a\nb\n");
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(`2 × TimeoutError: topic ${topic} not present in metadata`),
  );
  assert.match(result.stderr, /2 of 2 records failed/);
});

test("a bad command line or configuration: exit code 2 and the reason", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const missingTopic = await runCli([], "a\n");
  assert.equal(missingTopic.code, 2);
  assert.match(missingTopic.stderr, /--topic is required/);
  assert.match(missingTopic.stderr, /Usage: kafka-edge/);

  const badLinger = await runCli(["-t", "t", "--linger-ms", "-1"], "a\n");
  assert.equal(badLinger.code, 2);
  assert.match(badLinger.stderr, /invalid producer config: lingerMs/);

  const badCompression = await runCli(["-t", "t", "--compression", "bogus"], "a\n");
  assert.equal(badCompression.code, 2);
  assert.match(badCompression.stderr, /invalid producer config: compressionType/);

  const unknownFlag = await runCli(["-t", "t", "--frobnicate"], "a\n");
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /unknown option "--frobnicate"/);
});

test("--progress: a live line with records/s, MB/s and errors, rewritten in place", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("cli-progress");
  await createTopic(topic, 1);
  const count = 20_000;
  const input = Array.from({ length: count }, (_, i) => `record ${i}\n`).join("");
  const result = await runCli(["-t", topic, "--progress"], input);
  assert.equal(result.code, 0, result.stderr);
  const updates = result.stderr.split("\r\x1b[K").slice(1);
  assert.ok(updates.length >= 1, result.stderr);
  assert.match(
    updates.at(-1)!,
    new RegExp(
      `^${count.toLocaleString("en-US")} records, [\\d,]+ rec/s, [\\d.]+ MB/s, 0 errors\\n`,
    ),
  );
  assert.equal((await readTopic(topic)).length, count);
});

test("Ctrl-C: reading stops, what was read is delivered, exit code 130", {
  timeout: BROKER_TIMEOUT_MS,
}, async () => {
  const topic = uniqueTopic("cli-interrupt");
  await createTopic(topic, 1);
  const [command, prefix] = cliCommand();
  // A long linger keeps the records buffered: only the interrupt's close can deliver them.
  const child = spawn(command, [
    ...prefix,
    ...["-b", bootstrapServers().join(","), "-t", topic, "--linger-ms", "600000", "--progress"],
  ]);
  let stderr = "";
  const progressShown = new Promise<void>((resolve) =>
    child.stderr.on("data", (chunk: Uint8Array) => {
      stderr += new TextDecoder().decode(chunk);
      if (stderr.includes("records,")) resolve();
    })
  );
  const exited = once(child, "close");
  // A CLI that ignores the interrupt fails the test instead of hanging it.
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  exited.finally(() => clearTimeout(killer));
  child.stdin.write("one\ntwo\nunfinished"); // stdin stays open, as on a terminal
  await progressShown; // the CLI runs and has read what is in the pipe
  assert.equal((await readTopic(topic)).length, 0, "still buffered before the interrupt");
  // process.kill, not child.kill: Deno's child.kill closes the child's stdin first.
  process.kill(child.pid!, "SIGINT");
  const [code] = await exited;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted: the rest of the input was not read/);
  assert.deepEqual((await readTopic(topic)).map((r) => r.value), ["one", "two"]);
});

test(
  "--compression gzip: every record read back whole",
  { timeout: BROKER_TIMEOUT_MS },
  async () => {
    const topic = uniqueTopic("cli-compressed");
    await createTopic(topic, 1);
    const lines = Array.from(
      { length: 500 },
      (_, i) => `k${i % 5}:${"repetitive ".repeat(i % 20)}#${i}`,
    );
    const result = await runCli(
      ["-t", topic, "-K", ":", "--compression", "gzip", "-q"],
      lines.join("\n"),
    );
    assert.equal(result.code, 0, result.stderr);
    const read = await readTopic(topic);
    assert.deepEqual(read.map((r) => `${r.key}:${r.value}`), lines);
  },
);
