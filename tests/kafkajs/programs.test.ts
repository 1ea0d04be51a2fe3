/**
 * kafkajs programs run unchanged but for their import line. Each program of tests/kafkajs/programs/
 * (written against kafkajs's documented producer API) runs first on kafkajs 2.2.4 (from npm, on
 * Node), then, with `from "kafkajs"` replaced by `from "@kafka-edge/producer/kafkajs"` and
 * nothing else, on the runtime running this test: Deno (the package's TypeScript, as JSR would
 * serve it), Bun (the TypeScript too) or Node (the npm build, dist/). Both runs get topics of
 * their own; what they print must be the same, and kcat must read the same records, headers and
 * partitions from both (offsets included: the topics are new; timestamps that are "now" and the
 * random starting partition of keyless round robin are normalised).
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { bootstrapServers, type ConsumedRecord, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic, openConnection } from "../_lib/plain_client.ts";
import {
  CoordinatorKeyType,
  FindCoordinator,
} from "../../src/protocol/messages/find_coordinator.ts";
import { type ProcessResult, runProcess } from "../_lib/run_process.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The programs live beside this file's source (Node runs a compiled copy in .tmp/node). */
const PROGRAMS = `${ROOT}tests/kafkajs/programs/`.replace("/.tmp/node/", "/");
const REPO = PROGRAMS.replace(/tests\/kafkajs\/programs\/$/, "");
const KAFKAJS_IMPORT = /^(import .* from )"kafkajs";$/;
const FACADE = "@kafka-edge/producer/kafkajs";

interface Program {
  file: string;
  /** Topic name (after the run's prefix) → partitions. */
  topics: Record<string, number>;
  /** Topics written round robin (keyless): partitions are compared from the first one on. */
  roundRobin?: string[];
  /** kcat reads with isolation.level=read_committed. */
  readCommitted?: boolean;
}

const PROGRAMS_RUN: Program[] = [
  { file: "producing.mjs", topics: { keys: 3, mixed: 3 } },
  {
    file: "partitioning.mjs",
    topics: { default7: 7, legacy7: 7, java7: 7, rr: 5, custom: 4 },
    roundRobin: ["rr"],
  },
  {
    file: "transactions.mjs",
    topics: { orders: 3, audit: 1 },
    readCommitted: true,
  },
  { file: "secure.mjs", topics: { secure: 2 } },
];

/** The program with its kafkajs import line pointed at the facade; fails unless there is one. */
function facadeVersion(source: string): string {
  const lines = source.split("\n");
  const imports = lines.filter((line) => KAFKAJS_IMPORT.test(line));
  assert.equal(imports.length, 1, "exactly one import from kafkajs");
  return lines.map((line) => line.replace(KAFKAJS_IMPORT, `$1"${FACADE}";`)).join("\n");
}

/** Lines that differ between two texts of the same length in lines. */
function changedLines(a: string, b: string): number {
  const left = a.split("\n");
  const right = b.split("\n");
  assert.equal(left.length, right.length);
  return left.filter((line, i) => line !== right[i]).length;
}

/** Where the facade version is written, with what lets this runtime resolve the import. */
function facadeDirectory(runtime: string): string {
  const dir = `${REPO}.tmp/kafkajs-programs/${runtime}/`;
  mkdirSync(dir, { recursive: true });
  if (runtime === "deno") {
    // A user's deno.json maps the package (JSR, once published) and its npm dependencies.
    const imports = JSON.parse(readFileSync(`${REPO}deno.json`, "utf8")).imports;
    writeFileSync(
      `${dir}deno.json`,
      JSON.stringify({
        imports: { ...imports, [FACADE]: "../../../kafkajs.ts" },
        nodeModulesDir: "manual",
      }),
    );
  } else if (runtime === "bun") {
    writeFileSync(
      `${dir}tsconfig.json`,
      JSON.stringify({ compilerOptions: { paths: { [FACADE]: ["../../../kafkajs.ts"] } } }),
    );
  }
  return dir;
}

/** Node imports the npm build through the package's own name: build dist/ if it is stale. */
async function ensureNpmBuild(): Promise<void> {
  const built = `${REPO}dist/kafkajs.js`;
  const sources = [`${REPO}kafkajs.ts`, `${REPO}src`, `${REPO}src/kafkajs`, `${REPO}src/producer`];
  if (existsSync(built)) {
    const builtAt = statSync(built).mtimeMs;
    if (sources.every((path) => statSync(path).mtimeMs < builtAt)) return;
  }
  const result = await runProcess("bash", [`${REPO}scripts/build.sh`], "", { timeoutMs: 120_000 });
  assert.equal(result.code, 0, result.stderr);
}

function runtimeName(): "deno" | "bun" | "node" {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}

async function runFacade(file: string, env: Record<string, string>): Promise<ProcessResult> {
  const runtime = runtimeName();
  const dir = facadeDirectory(runtime);
  writeFileSync(`${dir}${file}`, facadeVersion(readFileSync(`${PROGRAMS}${file}`, "utf8")));
  const args = runtime === "deno"
    ? ["run", "-A", "--config", `${dir}deno.json`, `${dir}${file}`]
    : [`${dir}${file}`];
  if (runtime === "node") await ensureNpmBuild();
  return runProcess(process.execPath, args, "", { env, timeoutMs: 120_000 });
}

/** A record as compared: "now" timestamps and round robin's first partition normalised. */
function normalise(records: ConsumedRecord[], partitions: number, roundRobin: boolean) {
  const first = roundRobin ? records.find((r) => r.value?.endsWith(" 0"))?.partition ?? 0 : 0;
  return records.map((r) => ({
    partition: (r.partition - first + partitions) % partitions,
    offset: r.offset,
    // Timestamps the program set are in 2023; the others are the time of the run.
    timestamp: r.timestamp < 1_750_000_000_000 ? r.timestamp : "now",
    key: r.key,
    value: r.value,
    headers: r.headers,
  })).sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

/** Makes sure the group coordinator is up: kafkajs's sendOffsets fails rather than waits. */
async function awaitGroupCoordinator(group: string): Promise<void> {
  const connection = await openConnection();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await connection.request(FindCoordinator, {
        keys: [group],
        keyType: CoordinatorKeyType.GROUP,
      });
      const errorCode = response.coordinators[0]?.errorCode;
      if (errorCode === 0) return;
      if (Date.now() > deadline) throw new Error(`no group coordinator: error ${errorCode}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    connection.close();
  }
}

const printed = (result: ProcessResult) => result.stdout.split("\n").filter((line) => line);

for (const program of PROGRAMS_RUN) {
  test(
    `${program.file}: kafkajs 2.2.4 and the facade (${runtimeName()}) print and write the same`,
    {
      timeout: 300_000,
    },
    async () => {
      const source = readFileSync(`${PROGRAMS}${program.file}`, "utf8");
      const changed = changedLines(source, facadeVersion(source));
      console.log(
        `${program.file}: ${source.split("\n").length} lines; kafkajs version vs facade ` +
          `version: ${changed} line changed`,
      );
      assert.equal(changed, 1);

      const prefixes = { kafkajs: uniqueTopic("kjs"), facade: uniqueTopic("edge") };
      for (const prefix of Object.values(prefixes)) {
        for (const [name, partitions] of Object.entries(program.topics)) {
          await createTopic(`${prefix}-${name}`, partitions);
        }
      }
      if (program.readCommitted) await awaitGroupCoordinator(`${prefixes.kafkajs}-group`);
      const env = (prefix: string) => ({
        BROKERS: bootstrapServers().join(","),
        TOPIC_PREFIX: prefix,
        KAFKAJS_NO_PARTITIONER_WARNING: "1",
      });
      const kafkajs = await runProcess("node", [`${PROGRAMS}${program.file}`], "", {
        env: env(prefixes.kafkajs),
        timeoutMs: 120_000,
      });
      assert.equal(kafkajs.code, 0, `kafkajs run failed: ${kafkajs.stderr}`);
      const facade = await runFacade(program.file, env(prefixes.facade));
      assert.equal(facade.code, 0, `facade run failed: ${facade.stderr}`);
      assert.ok(printed(kafkajs).length > 0, "the program printed what it saw");
      assert.deepEqual(printed(facade), printed(kafkajs));

      const isolation = program.readCommitted ? ["-X", "isolation.level=read_committed"] : [];
      for (const [name, partitions] of Object.entries(program.topics)) {
        const roundRobin = program.roundRobin?.includes(name) ?? false;
        const [fromKafkajs, fromFacade] = await Promise.all(
          [prefixes.kafkajs, prefixes.facade].map((prefix) =>
            readTopic(`${prefix}-${name}`, isolation)
          ),
        );
        assert.deepEqual(
          normalise(fromFacade, partitions, roundRobin),
          normalise(fromKafkajs, partitions, roundRobin),
          `topic ${name}`,
        );
      }
    },
  );
}
