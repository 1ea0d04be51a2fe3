/**
 * The side-by-side comparison (run by bench/compare/run.sh, under the Node 22 that bench/compare
 * installs, with its type stripping). For every workload (100 B and 1 KiB records; acks 1, and
 * acks all with idempotence; 1 and 6 partitions; no compression and lz4) and every client
 * (kafka-edge on Deno, Bun and Node; kafkajs and @platformatic/kafka on Node 22; Kafka's Java
 * ProducerPerformance), on a fresh topic:
 *   1. as fast as the client goes: records/s, MB/s, and the OS's figures for the client process
 *      (user+sys CPU seconds and peak RSS, from /usr/bin/time, i.e. wait4's rusage);
 *   2. at a fixed rate below saturation: p50/p99 latency from send to acknowledgement.
 * Each client also runs once with a single record: its start-up CPU, subtracted for the "net"
 * CPU per million records (the gross figure is kept too).
 *
 * Writes results/<date>.json, .md and .png. Options: --quick (fewer records, 6 partitions only),
 * --clients a,b
 * (names as in the table), --out DIR.
 */

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { renderChart } from "./chart.ts";
import { markdownReport } from "./report.ts";
import type { Measurement, Report, WorkloadSpec } from "./report.ts";
import { KafkaAdmin } from "../../.tmp/node/mod.js";

const root = path.resolve(import.meta.dirname, "../..");
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes("--quick");
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const outDir = path.resolve(
  option("out") ?? path.join(root, "bench/compare/results"),
);
/** Records at full speed (100 B; 1 KiB gets a fifth) and seconds at the fixed rate. */
const fullSpeedRecords = quick ? 30_000 : 200_000;
const rateSeconds = quick ? 1.5 : 3;
/** Records sent first and not counted (as ProducerPerformance's --warmup-records): JIT, connections. */
const warmupRecords = (records: number) => Math.floor(records / 5);
/** Fixed rates for the latency runs: below what every client sustains here. */
const latencyRate = (size: number) => (size === 100 ? 10_000 : 4_000);

interface ClientSpec {
  name: string;
  /** The command for one run, or Java's (whose output is parsed differently). */
  command: (
    w: WorkloadSpec,
    topic: string,
    records: number,
    rate: number,
  ) => string[];
  java?: true;
}

const node22 = path.join(root, "bench/compare/node_modules/.bin/node");
const driverArgs = (
  w: WorkloadSpec,
  topic: string,
  records: number,
  rate: number,
) => [
  "--bootstrap",
  bootstrap,
  "--topic",
  topic,
  "--records",
  String(records),
  "--size",
  String(w.size),
  "--acks",
  w.acks,
  "--compression",
  w.compression,
  "--rate",
  String(rate),
  "--warmup-records",
  String(warmupRecords(records)),
];
const clients: ClientSpec[] = [
  {
    name: "kafka-edge (Deno)",
    command: (...a) => [
      "deno",
      "run",
      "-A",
      "bench/compare/clients/kafka_edge.ts",
      ...driverArgs(...a),
    ],
  },
  {
    name: "kafka-edge (Bun)",
    command: (...a) => ["bun", "bench/compare/clients/kafka_edge.ts", ...driverArgs(...a)],
  },
  {
    name: "kafka-edge (Node)",
    command: (...a) => [
      "node",
      ".tmp/node/bench/compare/clients/kafka_edge.js",
      ...driverArgs(...a),
    ],
  },
  {
    name: "kafkajs (Node 22)",
    command: (...a) => [node22, "bench/compare/clients/kafkajs.ts", ...driverArgs(...a)],
  },
  {
    name: "@platformatic/kafka (Node 22)",
    command: (...a) => [node22, "bench/compare/clients/platformatic.ts", ...driverArgs(...a)],
  },
  {
    name: "Java ProducerPerformance",
    java: true,
    command: (w, topic, records, rate) => [
      "bash",
      "scripts/kafka/broker.sh",
      "tool",
      "org.apache.kafka.tools.ProducerPerformance",
      "--topic",
      topic,
      "--num-records",
      String(records),
      "--record-size",
      String(w.size),
      "--throughput",
      String(rate > 0 ? rate : -1),
      "--warmup-records",
      String(warmupRecords(records)),
      "--producer-props",
      `bootstrap.servers=${bootstrap}`,
      `acks=${w.acks}`,
      `enable.idempotence=${w.acks === "all"}`,
      "linger.ms=5",
      "batch.size=100000",
      `compression.type=${w.compression}`,
    ],
  },
];
const only = option("clients")?.split(",");
const selected = only ? clients.filter((c) => only.includes(c.name)) : clients;

// --quick keeps the 6-partition workloads only (on this 2-core machine, loaded, a full matrix of
// six clients takes well over half an hour; the 6-partition half, with fewer records, ~15 min).
const workloads: WorkloadSpec[] = [];
for (const size of [100, 1024]) {
  for (const acks of ["1", "all"] as const) {
    for (const partitions of quick ? [6] : [1, 6]) {
      for (const compression of ["none", "lz4"] as const) {
        workloads.push({ size, acks, partitions, compression });
      }
    }
  }
}

interface ProcessFigures {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  cpuSeconds: number;
  peakRssMiB: number;
}

/** Runs `command` under /usr/bin/time (user+sys CPU and peak RSS of the process, from wait4). */
function runMeasured(
  command: string[],
  timeoutMs = 180_000,
): Promise<ProcessFigures> {
  const timeFile = path.join(os.tmpdir(), `compare-time-${process.pid}`);
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", [
      "-f",
      "%U %S %M",
      "-o",
      timeFile,
      ...command,
    ], {
      cwd: root,
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      const line = readFileSync(timeFile, "utf8").trim().split("\n").at(-1) ??
        "";
      rmSync(timeFile, { force: true });
      const [user, sys, maxRssKiB] = line.split(" ").map(Number);
      resolve({
        stdout,
        stderr,
        exitCode,
        cpuSeconds: user + sys,
        peakRssMiB: maxRssKiB / 1024,
      });
    });
  });
}

/**
 * ProducerPerformance's summary, "N records sent, R records/sec (M MB/sec), ... X ms 50th, ...
 * Y ms 99th, ...", of the steady state (after the warm-up records) when it printed one.
 */
function parseJava(stdout: string) {
  const line = stdout.trim().split("\n").findLast((l) => l.includes("records sent"));
  const m = line?.match(
    /([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?(\d+) ms 50th.*?(\d+) ms 99th/,
  );
  if (!m) {
    throw new Error(
      `no summary in ProducerPerformance output: ${stdout.slice(-300)}`,
    );
  }
  // Java's MB is MiB (bytes / 1024 / 1024); the table uses 10^6 bytes.
  return {
    recordsPerSecond: Number(m[1]),
    mbPerSecond: (Number(m[2]) * 1024 * 1024) / 1e6,
    p50Ms: Number(m[3]),
    p99Ms: Number(m[4]),
  };
}

let topicCount = 0;
async function freshTopic(partitions: number): Promise<string> {
  const name = `compare-${Date.now()}-${topicCount++}`;
  const admin = await KafkaAdmin.connect({
    bootstrapServers: bootstrap.split(","),
  });
  try {
    await admin.createTopics([{
      name,
      numPartitions: partitions,
      replicationFactor: 1,
    }]);
  } finally {
    admin.close();
  }
  return name;
}

async function measure(
  client: ClientSpec,
  w: WorkloadSpec,
): Promise<Measurement> {
  const records = w.size === 100 ? fullSpeedRecords : fullSpeedRecords / 5;
  const topic = await freshTopic(w.partitions);
  const full = await runMeasured(client.command(w, topic, records, 0));
  const failure = (run: ProcessFigures) =>
    `exit ${run.exitCode}: ${(run.stderr || run.stdout).trim().split("\n").slice(-2).join(" ")}`;
  if (full.exitCode !== 0) {
    return { client: client.name, workload: w, error: failure(full) };
  }
  const fullResult = client.java
    ? parseJava(full.stdout)
    : JSON.parse(full.stdout.trim().split("\n").at(-1)!);
  if (fullResult.unsupported) {
    return {
      client: client.name,
      workload: w,
      unsupported: fullResult.unsupported,
    };
  }
  if (fullResult.failed) {
    return {
      client: client.name,
      workload: w,
      error: `${fullResult.failed} failed: ${fullResult.firstError}`,
    };
  }

  const rate = latencyRate(w.size);
  const latency = await runMeasured(
    client.command(w, topic, Math.round(rate * rateSeconds), rate),
  );
  if (latency.exitCode !== 0) {
    return { client: client.name, workload: w, error: failure(latency) };
  }
  const latencyResult = client.java
    ? parseJava(latency.stdout)
    : JSON.parse(latency.stdout.trim().split("\n").at(-1)!);
  return {
    client: client.name,
    workload: w,
    records,
    recordsPerSecond: fullResult.recordsPerSecond,
    mbPerSecond: fullResult.mbPerSecond,
    cpuSeconds: full.cpuSeconds,
    peakRssMiB: full.peakRssMiB,
    latencyRate: rate,
    p50Ms: latencyResult.p50Ms,
    p99Ms: latencyResult.p99Ms,
  };
}

function versions(): Record<string, string> {
  const run = (cmd: string, a: string[]) =>
    execFileSync(cmd, a, {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  const pkg = (name: string) =>
    JSON.parse(
      readFileSync(
        path.join(root, "bench/compare/node_modules", name, "package.json"),
        "utf8",
      ),
    ).version;
  const javaVersion = spawnSync("java", ["-version"], { encoding: "utf8" }).stderr; // it prints there
  const kafkaJar = readdirSync(path.join(root, "scripts/kafka/lib")).find((f) =>
    f.startsWith("kafka-clients-")
  );
  return {
    "kafka-edge": `${run("git", ["rev-parse", "--short", "HEAD"])} (${
      run("git", ["rev-parse", "--abbrev-ref", "HEAD"])
    })`,
    Deno: run("deno", ["--version"]).split("\n")[0],
    Bun: run("bun", ["--version"]),
    "Node (kafka-edge)": run("node", ["--version"]),
    "Node 22 (peers)": process.version,
    kafkajs: pkg("kafkajs"),
    "@platformatic/kafka": pkg("@platformatic/kafka"),
    "Java producer": `${kafkaJar?.replace(/\.jar$/, "")} on ${javaVersion.split("\n")[0]}`,
  };
}

function machine(): Record<string, string> {
  const cpus = os.cpus();
  return {
    CPU: `${cpus[0]?.model ?? "?"} × ${cpus.length}`,
    RAM: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    OS: `${os.type()} ${os.release()}`,
    "load average at start": os.loadavg().map((l) => l.toFixed(2)).join(" "),
  };
}

const started = new Date();
const report: Report = {
  date: started.toISOString(),
  mode: quick ? "quick" : "full",
  machine: machine(),
  versions: versions(),
  settings: {
    records:
      `${fullSpeedRecords} × 100 B or ${fullSpeedRecords / 5} × 1 KiB as fast as the client goes ` +
      "(the first fifth a warm-up not counted in records/s and latency, as Java's --warmup-records), " +
      `then ${rateSeconds} s at ${latencyRate(100)} rec/s (100 B) or ${
        latencyRate(1024)
      } rec/s (1 KiB) for latency`,
    "kafka-edge":
      "one send() per record, not awaited one by one (≤ 100,000 outstanding); lingerMs 5, batchSize 100000",
    kafkajs:
      "send() of ~100 KB of records per call (its batching unit: no linger), ≤ 5 calls outstanding; " +
      "idempotent with maxInFlightRequests 1 (it requires that), else 5; lz4 via lz4-napi frames",
    "@platformatic/kafka":
      "send() of ~100 KB of records per call, ≤ 5 calls outstanding, none awaited before the next",
    Java: "ProducerPerformance, linger.ms 5, batch.size 100000, max.in.flight 5, -Xmx512m",
    "acks all": "idempotence on (every client); acks 1: idempotence off",
    CPU:
      "user+sys seconds of the client's process (wait4 rusage via /usr/bin/time), per million records; " +
      "net = minus the same client's start-up run (one record)",
  },
  startup: {},
  results: [],
};

console.error(
  `compare: ${selected.length} clients × ${workloads.length} workloads (${report.mode}), broker ${bootstrap}`,
);
for (const client of selected) {
  const topic = await freshTopic(1);
  const run = await runMeasured(client.command(workloads[0], topic, 1, 0));
  report.startup[client.name] = {
    cpuSeconds: run.cpuSeconds,
    peakRssMiB: run.peakRssMiB,
  };
  console.error(
    `  start-up ${client.name}: ${run.cpuSeconds.toFixed(2)} CPU s, ${
      run.peakRssMiB.toFixed(0)
    } MiB`,
  );
}
mkdirSync(outDir, { recursive: true });
const stem = path.join(
  outDir,
  started.toISOString().slice(0, 16).replace(":", ""),
);
/** Written after every workload, so that an interrupted run still leaves its figures. */
function writeReport(): void {
  report.machine["load average at end"] = os.loadavg().map((l) => l.toFixed(2))
    .join(" ");
  report.machine["duration"] = `${Math.round((Date.now() - started.getTime()) / 1000)} s`;
  writeFileSync(`${stem}.json`, JSON.stringify(report, null, 2) + "\n");
  writeFileSync(
    `${stem}.md`,
    markdownReport(report, path.basename(`${stem}.png`)),
  );
  writeFileSync(`${stem}.png`, renderChart(report));
}

for (const w of workloads) {
  for (const client of selected) {
    const m = await measure(client, w);
    report.results.push(m);
    console.error(
      `  ${w.size} B acks ${w.acks} ${w.partitions}p ${w.compression} ${client.name}: ` +
        (m.error ?? m.unsupported ??
          `${Math.round(m.recordsPerSecond!)} rec/s, ${m.cpuSeconds!.toFixed(2)} CPU s, p99 ${
            m.p99Ms?.toFixed(1)
          } ms`),
    );
  }
  writeReport();
}
console.log(`${stem}.md`);
