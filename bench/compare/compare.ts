/**
 * The side-by-side comparison (run by bench/compare/run.sh, under the Node 22 that bench/compare
 * installs, with its type stripping). Every client runs in a process of its own, on a fresh topic,
 * against one broker, with the same payload file (payload.ts) and the same window (see
 * clients/_workload.ts):
 *
 *   throughput  as fast as the client goes for `--seconds`, in two profiles:
 *               matched   the same uncompressed bytes per partition batch, the same outstanding
 *                         bytes, linger 5 ms where there is one, idempotence on;
 *               defaults  each client as a new user gets it (acks all being the workload's);
 *   latency     at half the client's own matched peak (the median of its runs), lingerMs 0 and 5
 *               for the clients that linger: p50 and p99 from each record's due time.
 *
 * Runs of one workload are interleaved (client A, B, C, A, B, C, ...) so that a machine that
 * slows down slows every client alike; the report takes medians per client.
 *
 * Writes results/<date>.json, .md and .png. Options:
 *   --quick               one run per client and workload instead of three
 *   --runs N              runs per client and workload (default 3; --quick 1)
 *   --seconds S           the counted window of each run (default 5, at least 5)
 *   --clients a,b         clients by name (as in the report), default all but the optional ones
 *   --workloads a,b       workloads by id (e.g. 100-none,1024-lz4,1024-none-1p)
 *   --profiles a,b        matched, defaults (default both)
 *   --no-latency          skip the latency runs
 *   --out DIR             where the report goes (default bench/compare/results)
 */

import { Buffer } from "node:buffer";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import kafkajs from "kafkajs";
import { compressFrameSync } from "lz4-napi";
import { renderChart } from "./chart.ts";
import { readPayload, writePayload } from "./payload.ts";
import {
  type ClientInfo,
  markdownReport,
  medianOf,
  type Profile,
  type Report,
  type RunRecord,
  workloadId,
  type WorkloadSpec,
} from "./report.ts";
import type { RunResult } from "./clients/_workload.ts";

const root = path.resolve(import.meta.dirname!, "../..");
// deno and bun are the project's (node_modules/.bin), as run.sh has them, however this is started.
process.env.PATH = `${path.join(root, "node_modules/.bin")}:${process.env.PATH}`;
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes("--quick");
const runs = Number(option("runs") ?? (quick ? 1 : 3));
const seconds = Math.max(5, Number(option("seconds") ?? 5));
const warmupSeconds = 1.5;
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const outDir = path.resolve(
  option("out") ?? path.join(root, "bench/compare/results"),
);
const work = path.join(root, ".tmp/compare");

/** Uncompressed bytes per partition batch in the matched profile (Java's default batch.size). */
const MATCHED_BATCH_BYTES = 16 * 1024;
/** Bytes a client may hold unacknowledged in the matched profile. */
const MATCHED_OUTSTANDING_BYTES = 8 * 1024 * 1024;
/** The defaults profile: what the peers, which have no linger, send per call, and how many. */
const DEFAULT_RECORDS_PER_CALL = 1000;
const DEFAULT_UNSETTLED = 64 * 1024;
/**
 * Bytes of each payload file (the clients cycle through its records): far more distinct records
 * than a batch holds, small enough not to weigh in anyone's RSS.
 */
const PAYLOAD_BYTES = 2 * 1024 * 1024;
const payloadRecords = (size: number) => Math.floor(PAYLOAD_BYTES / (size + 1));

const ALL_WORKLOADS: WorkloadSpec[] = [
  { size: 100, partitions: 6, compression: "none" },
  { size: 100, partitions: 6, compression: "lz4" },
  { size: 1024, partitions: 6, compression: "none" },
  { size: 1024, partitions: 6, compression: "lz4" },
  // One partition: every record in one batch queue, where per-batch costs weigh most.
  { size: 1024, partitions: 1, compression: "none" },
];

/** How a client is fed and configured in one run (what compare.ts decides for it). */
interface RunPlan {
  workload: WorkloadSpec;
  profile: Profile;
  /** Matched-profile batch setting (kafka-edge batchSize, Java batch.size). */
  batchSetting: number;
  lingerMs?: number;
  rate: number;
}

interface ClientSpec extends ClientInfo {
  /** Batches by the records of each call (no linger): kafkajs, platformatic. */
  peer?: boolean;
  /** Not run unless named with --clients. */
  optional?: boolean;
  /** Lingers (kafka-edge, Java): latency runs at lingerMs 0 and 5. */
  lingers: boolean;
  command(topic: string, plan: RunPlan): string[];
}

const node22 = path.join(root, "bench/compare/node_modules/.bin/node");
const payloadFile = (size: number) => path.join(work, `payload-${size}.txt`);
const javaClasses = path.join(work, "java");
const libDir = path.join(root, "scripts/kafka/lib");

/**
 * Records unacknowledged at most in the matched profile: MATCHED_OUTSTANDING_BYTES of them as
 * the clients with a buffer hold them (~10 bytes of framing a record; batches being filled hold
 * their whole buffer), so that the feeding, the same for every client, binds before a buffer
 * fills and no client is measured waiting for its own buffer memory.
 */
function matchedUnacknowledged(w: WorkloadSpec): number {
  return Math.floor((0.9 * MATCHED_OUTSTANDING_BYTES) / (w.size + 10));
}

/** Records per send() of the peers, which have no linger. */
function peerChunk(plan: RunPlan): number {
  if (plan.profile === "defaults") return DEFAULT_RECORDS_PER_CALL;
  // One call carries a batch for each partition (their round-robin spreads it).
  return Math.floor(
    (MATCHED_BATCH_BYTES * plan.workload.partitions) / plan.workload.size,
  );
}

/** The driver arguments every JavaScript and Java driver takes (see clients/_workload.ts). */
function driverArgs(topic: string, plan: RunPlan, peer: boolean): string[] {
  const { workload: w, profile } = plan;
  const a = [
    "--bootstrap",
    bootstrap,
    "--topic",
    topic,
    "--payload",
    payloadFile(w.size),
    "--acks",
    "all",
    "--compression",
    w.compression,
    "--seconds",
    String(seconds),
    "--warmup-seconds",
    String(warmupSeconds),
    "--rate",
    String(plan.rate),
  ];
  if (profile === "defaults") {
    const chunk = peer ? peerChunk(plan) : 1000;
    return [
      ...a,
      "--chunk",
      String(chunk),
      "--max-outstanding",
      String(DEFAULT_UNSETTLED),
    ];
  }
  a.push("--idempotence", "true", "--max-outstanding", String(matchedUnacknowledged(w)));
  if (peer) return [...a, "--chunk", String(peerChunk(plan))];
  a.push("--chunk", "1000", "--batch-bytes", String(plan.batchSetting));
  a.push("--buffer-bytes", String(MATCHED_OUTSTANDING_BYTES));
  a.push("--linger", String(plan.lingerMs ?? 5));
  return a;
}

const edge = (
  name: string,
  runtime: string,
  command: string[],
  optional = false,
): ClientSpec => ({
  name,
  runtime,
  edge: true,
  lingers: true,
  optional,
  command: (topic, plan) => [...command, ...driverArgs(topic, plan, false)],
});
const clients: ClientSpec[] = [
  edge("kafka-edge (Deno)", "Deno", [
    "deno",
    "run",
    "-A",
    "bench/compare/clients/kafka_edge.ts",
  ]),
  edge("kafka-edge (Bun)", "Bun", [
    "bun",
    "bench/compare/clients/kafka_edge.ts",
  ]),
  edge("kafka-edge (Node 22)", "Node", [
    node22,
    ".tmp/node/bench/compare/clients/kafka_edge.js",
  ]),
  edge(
    "kafka-edge (Node 20)",
    "Node 20",
    ["node", ".tmp/node/bench/compare/clients/kafka_edge.js"],
    true,
  ),
  {
    name: "@platformatic/kafka (Node 22)",
    runtime: "Node",
    lingers: false,
    peer: true,
    command: (topic, plan) => [
      node22,
      "bench/compare/clients/platformatic.ts",
      ...driverArgs(topic, plan, true),
    ],
  },
  {
    name: "kafkajs (Node 22)",
    runtime: "Node",
    lingers: false,
    peer: true,
    command: (topic, plan) => [
      node22,
      "bench/compare/clients/kafkajs.ts",
      ...driverArgs(topic, plan, true),
    ],
  },
  {
    name: "Java producer",
    runtime: "Java",
    lingers: true,
    command: (topic, plan) => [
      "java",
      "-Xmx512m",
      "-Djava.awt.headless=true",
      `-Dlog4j2.configurationFile=${path.join(root, "scripts/kafka/log4j2.properties")}`,
      "-cp",
      `${javaClasses}:${libDir}/*`,
      "JavaProducer",
      ...driverArgs(topic, plan, false),
    ],
  },
  {
    name: "librdkafka (kcat)",
    runtime: "C",
    lingers: true,
    kcat: true,
    command: (topic, plan) => kcatCommand(topic, plan),
  },
];

/** kcat reads records from stdin, one a line (fed by runKcat). */
function kcatCommand(topic: string, plan: RunPlan): string[] {
  const { workload: w, profile } = plan;
  const props: string[] = ["acks=all"];
  if (profile === "matched") {
    props.push(
      "enable.idempotence=true",
      `linger.ms=${plan.lingerMs ?? 5}`,
      // librdkafka's batch.size counts bytes before compression.
      `batch.size=${MATCHED_BATCH_BYTES}`,
      `queue.buffering.max.kbytes=${MATCHED_OUTSTANDING_BYTES / 1024}`,
      `queue.buffering.max.messages=${matchedUnacknowledged(w)}`,
    );
  }
  return [
    "kcat",
    "-P",
    "-q",
    "-b",
    bootstrap,
    "-t",
    topic,
    ...(w.compression === "none" ? [] : ["-z", w.compression]),
    ...props.flatMap((p) => ["-X", p]),
  ];
}

const selectedClients = (() => {
  const only = option("clients")?.split(",");
  return only ? clients.filter((c) => only.includes(c.name)) : clients.filter((c) => !c.optional);
})();
const workloads = (() => {
  const only = option("workloads")?.split(",");
  return only ? ALL_WORKLOADS.filter((w) => only.includes(workloadId(w))) : ALL_WORKLOADS;
})();
const profiles = (option("profiles")?.split(",") ?? ["matched", "defaults"]) as Profile[];
const latencyRuns = !args.includes("--no-latency");

// ---- processes -----------------------------------------------------------------------------

interface Finished {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

function run(
  command: string[],
  timeoutMs: number,
  onSpawn?: (child: ReturnType<typeof spawn>) => void,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), {
      cwd: root,
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exitCode });
    });
    onSpawn?.(child);
  });
}

/** user+sys CPU seconds of a running process so far (/proc/PID/stat, clock ticks of 10 ms). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "")
    .split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15)
}

/**
 * kcat under /usr/bin/time (its total CPU and peak RSS from wait4), fed the payload on stdin for
 * `seconds` (full speed) or at `rate`. Its window runs from the first record written to its exit
 * (it exits once every record is delivered), so it includes librdkafka's metadata lookup and
 * its close; its CPU is the total less what it used before the first record.
 */
async function runKcat(command: string[], plan: RunPlan): Promise<RunResult> {
  if (plan.rate > 0) {
    throw new Error("kcat has no acknowledgement latency to report");
  }
  const timeFile = path.join(os.tmpdir(), `compare-kcat-${process.pid}`);
  const lines = readFileSync(payloadFile(plan.workload.size));
  const perChunk = payloadRecords(plan.workload.size);
  let written = 0;
  let cpuBefore = 0;
  let started = 0;
  const finished = await run(
    ["/usr/bin/time", "-f", "%U %S %M", "-o", timeFile, ...command],
    120_000,
    (child) => {
      const stdin = child.stdin!;
      stdin.on("error", () => {}); // an early exit shows in the exit code
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 500)); // kcat's start-up
        const kcatPid = Number(
          readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8")
            .trim(),
        );
        cpuBefore = processCpuSeconds(kcatPid);
        started = performance.now();
        const end = started + seconds * 1000;
        while (performance.now() < end) {
          written += perChunk;
          if (!stdin.write(lines)) await once(stdin, "drain");
        }
        stdin.end();
      })().catch((error) => {
        console.error(`compare: feeding kcat failed: ${error}`);
        stdin.destroy();
      });
    },
  );
  const elapsed = (performance.now() - started) / 1000;
  const timeLine = readFileSync(timeFile, "utf8").trim().split("\n").at(-1) ??
    "";
  rmSync(timeFile, { force: true });
  if (finished.exitCode !== 0) {
    throw new Error(
      `kcat exit ${finished.exitCode}: ${finished.stderr.trim().slice(-300)}`,
    );
  }
  const [user, sys, maxRssKiB] = timeLine.split(" ").map(Number);
  const cpuSeconds = user + sys - cpuBefore;
  return {
    client: "librdkafka (kcat)",
    runtime: "kcat (librdkafka)",
    settings: command.filter((_, i) => command[i - 1] === "-X").join(", "),
    records: written,
    seconds: elapsed,
    recordsPerSecond: written / elapsed,
    mbPerSecond: (written * plan.workload.size) / elapsed / 1e6,
    cpuSeconds,
    cpuMicrosPerRecord: (cpuSeconds / written) * 1e6,
    peakRssMiB: maxRssKiB / 1024,
    batchBytes: plan.profile === "matched" ? MATCHED_BATCH_BYTES : undefined,
    failed: 0,
    rate: 0,
  };
}

// ---- topics --------------------------------------------------------------------------------

const admin = new kafkajs.Kafka({
  clientId: "compare-admin",
  brokers: bootstrap.split(","),
  logLevel: kafkajs.logLevel.NOTHING,
}).admin();
let topicCount = 0;

async function withTopic<T>(
  partitions: number,
  use: (topic: string) => Promise<T>,
): Promise<T> {
  const topic = `compare-${Date.now()}-${topicCount++}`;
  for (let attempt = 1;; attempt++) {
    try {
      // kafkajs's wait for leaders sometimes ends in UNKNOWN_TOPIC_OR_PARTITION on a busy
      // broker; the topic is there a moment later.
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      break;
    } catch (error) {
      const exists = await admin.listTopics().then(
        (t) => t.includes(topic),
        () => false,
      );
      if (exists && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        break;
      }
      if (attempt >= 5) throw new Error(`creating topic ${topic}: ${error}`);
    }
  }
  try {
    return await use(topic);
  } finally {
    // A run writes up to a few GB: drop it so that a full comparison fits on the disk.
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  }
}

// ---- runs ----------------------------------------------------------------------------------

async function measure(
  client: ClientSpec,
  plan: RunPlan,
  index: number,
): Promise<RunRecord> {
  const record: RunRecord = {
    client: client.name,
    kind: plan.rate > 0 ? "latency" : "throughput",
    profile: plan.profile,
    workload: plan.workload,
    run: index,
    ...(plan.lingerMs === undefined ? {} : { lingerMs: plan.lingerMs }),
  };
  try {
    const result = await withTopic(plan.workload.partitions, async (topic) => {
      const command = client.command(topic, plan);
      if (client.kcat) return runKcat(command, plan);
      const timeoutS = seconds + warmupSeconds + 60;
      const finished = await run(command, timeoutS * 1000);
      const last = finished.stdout.trim().split("\n").at(-1) ?? "";
      if (finished.exitCode !== 0 || !last.startsWith("{")) {
        const output = (finished.stderr || finished.stdout).trim().split("\n").slice(-3);
        const how = finished.exitCode === null
          ? `killed after ${timeoutS} s`
          : `exit ${finished.exitCode}`;
        throw new Error(`${how}: ${output.join(" ")}`);
      }
      return JSON.parse(last) as RunResult;
    });
    if (result.unsupported) record.unsupported = result.unsupported;
    else if (result.failed > 0) {
      record.error = `${result.failed} failed: ${result.firstError}`;
    } else record.result = result;
    if (client.peer && record.result && plan.rate === 0) {
      // Their batch: one call's share for each partition, by construction (with ~8 bytes of
      // record framing and the 61-byte batch header, as the others' figures count them).
      const { size, partitions } = plan.workload;
      record.result.batchBytes = (peerChunk(plan) / partitions) * (size + 8) +
        61;
    }
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
  }
  return record;
}

function describe(r: RunRecord): string {
  const what = `${workloadId(r.workload)} ${r.profile}${
    r.lingerMs === undefined ? "" : ` linger ${r.lingerMs}`
  } ${r.client} #${r.run}`;
  if (!r.result) return `${what}: ${r.error ?? r.unsupported}`;
  const m = r.result;
  const latency = m.p50Ms === undefined
    ? ""
    : ` at ${Math.round(m.rate)}/s p50 ${m.p50Ms.toFixed(1)} p99 ${m.p99Ms!.toFixed(1)} ms`;
  return `${what}: ${Math.round(m.recordsPerSecond)} rec/s, ${
    m.cpuMicrosPerRecord.toFixed(2)
  } µs CPU/rec, ${m.peakRssMiB.toFixed(0)} MiB${latency}`;
}

// ---- set-up --------------------------------------------------------------------------------

function versions(): Record<string, string> {
  const text = (cmd: string, a: string[]) => {
    try {
      return execFileSync(cmd, a, {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }).trim();
    } catch {
      return "unknown"; // e.g. run from a copy that is not a git checkout
    }
  };
  const pkg = (name: string) =>
    JSON.parse(
      readFileSync(
        path.join(root, "bench/compare/node_modules", name, "package.json"),
        "utf8",
      ),
    ).version;
  const javaVersion = spawnSync("java", ["-version"], { encoding: "utf8" }).stderr;
  const kafkaJar = readdirSync(libDir).find((f) => f.startsWith("kafka-clients-"));
  const kcat = spawnSync("kcat", ["-V"], { encoding: "utf8" }).stdout;
  return {
    "kafka-edge": `${text("git", ["rev-parse", "--short", "HEAD"])} (${
      text("git", ["rev-parse", "--abbrev-ref", "HEAD"])
    })${
      text("git", ["status", "--porcelain", "--", "src", "mod.ts"]) ? ", uncommitted changes" : ""
    }`,
    Deno: text("deno", ["--version"]).split("\n")[0],
    Bun: text("bun", ["--version"]),
    "Node 22 (peers, kafka-edge on Node)": process.version,
    "Node 20 (optional client)": text("node", ["--version"]),
    kafkajs: pkg("kafkajs"),
    "@platformatic/kafka": pkg("@platformatic/kafka"),
    "Java producer": `${kafkaJar?.replace(/\.jar$/, "")} on ${javaVersion.split("\n")[0]}`,
    kcat: kcat.match(/Version [^\s]+ .*?librdkafka [^\s]+/)?.[0] ??
      kcat.split("\n")[0],
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

/** Peak RSS of each runtime running an empty script: the floor under every client's figure. */
async function bareRss(): Promise<Record<string, number>> {
  const empty = path.join(work, "empty.mjs");
  writeFileSync(empty, "\n");
  const measureBare = async (command: string[]) => {
    const timeFile = path.join(work, "bare-time");
    await run(
      ["/usr/bin/time", "-f", "%M", "-o", timeFile, ...command],
      30_000,
    );
    return Number(readFileSync(timeFile, "utf8").trim().split("\n").at(-1)) /
      1024;
  };
  return {
    Deno: await measureBare(["deno", "run", empty]),
    Bun: await measureBare(["bun", empty]),
    Node: await measureBare([node22, empty]),
    "Node 20": await measureBare(["node", empty]),
  };
}

/** lz4's ratio on the payload: compressed bytes over uncompressed, for one matched batch. */
function lz4Ratio(size: number): number {
  const records = readPayload(payloadFile(size));
  const count = Math.ceil(MATCHED_BATCH_BYTES / size);
  const joined = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) {
    joined.set(records[i % records.length], i * size);
  }
  return compressFrameSync(Buffer.from(joined)).length / joined.length;
}

/**
 * The matched batch setting of the clients whose batch size counts compressed bytes (kafka-edge
 * and Java fill a batch until its estimated compressed size reaches it, with a 5% margin): the
 * setting that holds MATCHED_BATCH_BYTES of this payload uncompressed.
 */
function batchSetting(w: WorkloadSpec): number {
  if (w.compression === "none") return MATCHED_BATCH_BYTES;
  return Math.round(MATCHED_BATCH_BYTES * lz4Ratio(w.size) * 1.05);
}

// ---- main ----------------------------------------------------------------------------------

mkdirSync(work, { recursive: true });
for (const size of new Set(workloads.map((w) => w.size))) {
  writePayload(payloadFile(size), size, payloadRecords(size));
}
if (selectedClients.some((c) => c.name === "Java producer")) {
  execFileSync("javac", [
    "-cp",
    `${libDir}/*`,
    "-d",
    javaClasses,
    path.join(root, "bench/compare/clients/JavaProducer.java"),
  ], { stdio: "inherit" });
}
await admin.connect();

const started = new Date();
const report: Report = {
  date: started.toISOString(),
  mode: quick ? "quick" : "full",
  runs,
  seconds,
  machine: machine(),
  versions: versions(),
  bareRssMiB: await bareRss(),
  settings: {
    payload:
      `${PAYLOAD_BYTES / 1024 / 1024} MiB of JSON-like event records of exactly the workload's ` +
      "size (payload.ts, seeded), the same file for every client, cycled through",
    window: `${seconds} s of submitting after ${warmupSeconds} s of warm-up (acknowledged ` +
      "before the window opens); the window ends at the last acknowledgement, close() after it",
    CPU: "user+sys of the whole client process (every thread) inside the window, per record",
    "peak RSS": "the process's high-water mark (VmHWM) when the window closes",
    matched: `uncompressed bytes per partition batch ${MATCHED_BATCH_BYTES}: kafka-edge ` +
      "batchSize and Java batch.size (which count compressed bytes) set so that a batch holds " +
      "that much of this payload uncompressed, librdkafka batch.size, the peers' records per " +
      `send() = ${MATCHED_BATCH_BYTES} B × partitions / record size; outstanding bytes ` +
      `${MATCHED_OUTSTANDING_BYTES}: bufferMemory / buffer.memory / queue.buffering.max.kbytes, ` +
      "and every client fed at most 90% of that in records unacknowledged (so that no buffer " +
      "fills); " +
      "linger 5 ms; idempotence on (kafkajs then needs maxInFlightRequests 1, platformatic " +
      "keeps 1 request in flight)",
    defaults: "each client's defaults, acks all: kafka-edge one send() per record with at most " +
      `${DEFAULT_UNSETTLED} unsettled; the peers sends of ${DEFAULT_RECORDS_PER_CALL} records ` +
      `(at most ${DEFAULT_UNSETTLED} records unacknowledged); Java one send() ` +
      `per record as ProducerPerformance (at most ${DEFAULT_UNSETTLED} unsettled); kcat as is`,
    latency: "at half the client's own matched peak (median), its records due evenly and " +
      "submitted every millisecond, latency from each record's due time to its " +
      "acknowledgement; lingerMs / linger.ms 0 and 5 where the client lingers",
    Java: "JavaProducer.java (same loop, window and CPU accounting as the JavaScript drivers), " +
      "-Xmx512m",
    kcat: "fed on stdin; window from the first record written to its exit (metadata lookup and " +
      "close included), CPU the total less what it used before the first record; no latency",
    "kafka-edge on Node": "the tsc build under the same Node 22 as the peers (Node against Node)",
  },
  runsDone: [],
};
console.error(
  `compare: ${selectedClients.length} clients × ${workloads.length} workloads × ${profiles.length} ` +
    `profiles × ${runs} runs of ${seconds} s, broker ${bootstrap}`,
);

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
    markdownReport(report, clients, path.basename(`${stem}.png`)),
  );
  writeFileSync(`${stem}.png`, renderChart(report, clients));
}

for (const workload of workloads) {
  const setting = batchSetting(workload);
  for (const profile of profiles) {
    for (let i = 1; i <= runs; i++) {
      for (const client of selectedClients) {
        const r = await measure(client, {
          workload,
          profile,
          batchSetting: setting,
          rate: 0,
        }, i);
        report.runsDone.push(r);
        console.error(`  ${describe(r)}`);
      }
    }
    writeReport();
  }
}

// Latency, uncompressed, at half of each client's own matched peak.
if (latencyRuns && profiles.includes("matched")) {
  for (
    const workload of workloads.filter((w) => w.compression === "none" && w.partitions === 6)
  ) {
    const plans: [ClientSpec, RunPlan][] = [];
    for (const client of selectedClients.filter((c) => !c.kcat)) {
      const peak = medianOf(
        report.runsDone.filter((r) =>
          r.client === client.name && r.kind === "throughput" &&
          r.profile === "matched" &&
          workloadId(r.workload) === workloadId(workload) && r.result
        ).map((r) => r.result!.recordsPerSecond),
      );
      if (peak === undefined) continue;
      const rate = Math.round(peak / 2);
      for (const lingerMs of client.lingers ? [0, 5] : [undefined]) {
        plans.push([client, {
          workload,
          profile: "matched",
          batchSetting: MATCHED_BATCH_BYTES,
          lingerMs,
          rate,
        }]);
      }
    }
    for (let i = 1; i <= runs; i++) {
      for (const [client, plan] of plans) {
        const r = await measure(client, plan, i);
        report.runsDone.push(r);
        console.error(`  ${describe(r)}`);
      }
    }
    writeReport();
  }
}
await admin.disconnect();
writeReport();
console.log(`${stem}.md`);
