/**
 * The npm package as a user gets it: `npm pack` (which builds dist/), the tarball installed into
 * a fresh project, then a plain Node script importing the package by name produces to the broker,
 * the `kafka-edge` bin does too, and a TypeScript consumer type-checks against the shipped .d.ts
 * (with the DOM lib, and with only ES2022 and @types/node, without skipLibCheck), and the README's
 * quick start runs as written on Node, Bun and Deno, printing no terminal escape codes (NO_COLOR).
 * kcat reads back what was written. A Worker bundle of the package (esbuild, wrangler's conditions) carries no
 * zstd WebAssembly. It tests the package, not a runtime: scripts/test.sh runs it on Deno only.
 */

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { bootstrapServers, readTopic, uniqueTopic } from "../_lib/kafka.ts";
import { createTopic } from "../_lib/plain_client.ts";
import { type ProcessResult, runProcess } from "../_lib/run_process.ts";
import { HARNESS_TIMEOUT_MS } from "../_lib/timeouts.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

async function run(
  command: string,
  args: readonly string[],
  cwd: string,
  input = "",
): Promise<ProcessResult> {
  const result = await runProcess(command, args, input, { cwd, timeoutMs: 180_000 });
  assert.equal(result.code, 0, `${command} ${args.join(" ")}: ${result.stdout}${result.stderr}`);
  return result;
}

const PRODUCE_SCRIPT = `
import { KafkaProducer } from "@kafka-edge/producer";
const [bootstrap, topic, count] = process.argv.slice(2);
const producer = new KafkaProducer({ bootstrapServers: bootstrap.split(","), lingerMs: 5 });
const sent = await Promise.all(Array.from({ length: Number(count) }, (_, i) =>
  producer.send({ topic, key: "k" + (i % 7), value: "from node #" + i, headers: { i: String(i) } })
));
await producer.close();
console.log(JSON.stringify({ node: process.versions.node, offsets: sent.map((m) => String(m.offset)) }));
`;

const TYPED_CONSUMER = `
import { KafkaProducer, type RecordMetadata } from "@kafka-edge/producer";
const producer = new KafkaProducer({ bootstrapServers: ["127.0.0.1:9092"] });
const meta: RecordMetadata = await producer.send({ topic: "t", value: "v" });
export const offset: bigint = meta.offset;
// @ts-expect-error lingerMs is a number: fails to compile if the types were missing or any
new KafkaProducer({ bootstrapServers: ["127.0.0.1:9092"], lingerMs: "5" });
`;

const WORKER = `
import { KafkaProducer } from "@kafka-edge/producer";
export default {
  async fetch(request) {
    const producer = new KafkaProducer({ bootstrapServers: ["kafka.example.com:9092"] });
    try {
      const meta = await producer.send({ topic: "events", value: await request.text() });
      return new Response(String(meta.offset));
    } finally {
      await producer.close();
    }
  },
};
`;

/** Runs tsc (strict, NodeNext, no output) over `files` of `project` with `options` added. */
async function typeCheck(project: string, options: object, files: string[]) {
  const compilerOptions = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    ...options,
  };
  await writeFile(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files }));
  await run(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], project);
}

/** The README's quick start: the first `ts` block under "## Quick start". */
async function readmeQuickStart(): Promise<string> {
  const readme = await readFile(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Quick start\n"));
  const sample = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(sample, "README.md has a ts block under ## Quick start");
  return sample;
}

/**
 * Runs the quick start, as a user who installed the package would, on each runtime (only the
 * broker's address and the topic replaced), and checks with kcat what it wrote.
 */
async function runQuickStart(project: string) {
  const sample = await readmeQuickStart();
  const address = `["127.0.0.1:9092"]`;
  assert.ok(sample.includes(address) && sample.includes(`"events"`), "the sample's broker, topic");
  const runtimes: [string, string[]][] = [["node", []], ["bun", []], ["deno", ["run", "-A"]]];
  for (const [runtime, args] of runtimes) {
    const topic = uniqueTopic(`quick-start-${runtime}`);
    const program = sample.replace(address, JSON.stringify(bootstrapServers()))
      .replaceAll(`"events"`, JSON.stringify(topic));
    await writeFile(join(project, "quick_start.mjs"), program);
    const result = await run(runtime, [...args, "quick_start.mjs"], project);
    const written = new RegExp(`^written to ${topic}\\[(\\d+)\\] at offset (\\d+)\n$`)
      .exec(result.stdout);
    assert.ok(written, `${runtime}: ${result.stdout}${result.stderr}`);
    assert.ok(!(result.stdout + result.stderr).includes("\x1b"), `${runtime}: escape codes`);
    const [record, ...more] = await readTopic(topic);
    assert.equal(more.length, 0);
    assert.deepEqual(
      [record.partition, String(record.offset), record.key, record.value, record.headers],
      [
        Number(written[1]),
        written[2],
        "user-42",
        '{"action":"login"}',
        "content-type=application/json",
      ],
    );
  }
}

/** Bundles worker.mjs as wrangler does (esbuild, minified); its size and the files it took in. */
async function bundle(project: string, options: readonly string[]) {
  const out = join(project, "bundle.js");
  const meta = join(project, "bundle.meta.json");
  await run(join(root, "node_modules", ".bin", "esbuild"), [
    "worker.mjs",
    "--bundle",
    "--minify",
    "--format=esm",
    "--platform=neutral",
    ...options,
    `--outfile=${out}`,
    `--metafile=${meta}`,
    "--log-level=warning",
  ], project);
  const code = await readFile(out);
  const { inputs } = JSON.parse(await readFile(meta, "utf8")) as { inputs: object };
  return {
    bytes: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
    inputs: Object.keys(inputs),
  };
}

test(
  "npm pack, install the tarball, produce from plain Node by package name, with the bin, and with the README's quick start on three runtimes",
  { timeout: HARNESS_TIMEOUT_MS },
  async () => {
    const work = await mkdtemp(join(tmpdir(), "kafka-edge-npm-"));
    try {
      const pack = await run("npm", ["pack", "--json", "--pack-destination", work], root);
      const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
      const project = join(work, "project");
      await mkdir(project);
      await writeFile(
        join(project, "package.json"),
        JSON.stringify({ name: "consumer", private: true, type: "module" }),
      );
      const rootManifest = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
      await run("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        join(work, filename),
        // The @types/node the project builds with: Node 20's.
        `@types/node@${rootManifest.devDependencies["@types/node"]}`,
      ], project);

      // What the tarball holds: the build, README and LICENSE, not the TypeScript sources or tests.
      const installed = join(project, "node_modules", "@kafka-edge", "producer");
      assert.deepEqual((await readdir(installed)).sort(), [
        "LICENSE",
        "README.md",
        "dist",
        "package.json",
      ]);
      const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8"));
      const denoJson = JSON.parse(await readFile(join(root, "deno.json"), "utf8"));
      assert.equal(manifest.version, denoJson.version);
      assert.match(manifest.repository.url, /^git\+https:\/\/github\.com\//);

      const topic = uniqueTopic("npm-tarball");
      await createTopic(topic, 2);
      const count = 50;
      await writeFile(join(project, "produce.mjs"), PRODUCE_SCRIPT);
      const produced = await run("node", [
        "produce.mjs",
        bootstrapServers().join(","),
        topic,
        `${count}`,
      ], project);
      const report = JSON.parse(produced.stdout) as { node: string; offsets: string[] };
      assert.ok(Number(report.node.split(".")[0]) >= 20, `Node ${report.node}`);
      assert.equal(report.offsets.length, count);

      const bin = join(project, "node_modules", ".bin", "kafka-edge");
      await run(
        bin,
        ["-b", bootstrapServers().join(","), "-t", topic, "-K", ":", "-q"],
        project,
        "bin-key:from the bin\n",
      );

      await runQuickStart(project);

      const records = await readTopic(topic);
      assert.equal(records.length, count + 1);
      for (let i = 0; i < count; i++) {
        const record = records.find((r) => r.value === `from node #${i}`);
        assert.ok(record, `record ${i} missing`);
        assert.equal(record.key, `k${i % 7}`);
        assert.equal(record.headers, `i=${i}`);
      }
      assert.ok(records.some((r) => r.key === "bin-key" && r.value === "from the bin"));

      // The shipped .d.ts files, checked as a TypeScript user's compiler sees them: with the DOM
      // lib, and without it as a Node project typically is (every .d.ts checked: no skipLibCheck).
      await writeFile(join(project, "consumer.ts"), TYPED_CONSUMER);
      await typeCheck(project, { lib: ["ES2023", "DOM"], types: [] }, ["consumer.ts"]);
      await typeCheck(project, { lib: ["ES2022"], types: ["node"], skipLibCheck: false }, [
        "consumer.ts",
        "node_modules/@kafka-edge/producer/dist/cli.d.ts",
      ]);

      // A Worker bundle takes the package's workerd condition: no zstd WebAssembly in it.
      await writeFile(join(project, "worker.mjs"), WORKER);
      const forWorkers = await bundle(project, ["--conditions=workerd,worker,browser"]);
      const forNode = await bundle(project, ["--platform=node"]);
      assert.ok(forNode.inputs.some((path) => path.includes("@hpcc-js/wasm-zstd")));
      assert.deepEqual(forWorkers.inputs.filter((path) => path.includes("@hpcc-js")), []);
      console.log(
        `Worker bundle: ${forWorkers.bytes} bytes minified, ${forWorkers.gzipped} gzipped ` +
          `(for Node, with zstd WebAssembly: ${forNode.bytes}, ${forNode.gzipped})`,
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
);
