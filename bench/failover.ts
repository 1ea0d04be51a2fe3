/**
 * Failover time on a 3-node cluster (replication factor 3, min.insync.replicas 2): records flow
 * at a steady pace to 3 partitions while the leadership of partition 0 moves, again and again
 * (a stopped node is restarted between rounds, once every replica is back in sync). Modes:
 * - `kill`: its leader is killed (SIGKILL); the time from the moment the process is gone to the
 *   first acknowledgement of a record of partition 0 after it;
 * - `term`: its leader is stopped with SIGTERM, a controlled shutdown during which it still
 *   answers; the longest gap between two acknowledgements of partition 0;
 * - `elect`: leadership goes back to the preferred replica (Kafka's LeaderElectionCommand) while
 *   the old leader stays up and answers NOT_LEADER_OR_FOLLOWER naming the new one (KIP-951);
 *   the longest gap between two acknowledgements of partition 0.
 * Prints each round and the median.
 *
 * The client is kafka-edge in this process, or Kafka's Java producer
 * (bench/failover/FailoverProducer.java, compiled here against scripts/kafka/lib; defaults of the
 * Java client, as kafka-edge's are). Both are timed by the same clock on the same machine.
 *
 * Usage: deno run -A bench/failover.ts [--client kafka-edge|java] [--rounds 5]
 *   [--mode kill|term|elect]
 */

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { createInterface } from "node:readline";
import { KafkaProducer } from "../mod.ts";
import { kafkaTool } from "../tests/_lib/kafka.ts";
import {
  type Cluster,
  createReplicatedTopics,
  firstAckAfter,
  pacedStream,
  partitionState,
  startCluster,
} from "../tests/_lib/cluster.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const client = option("client", "kafka-edge");
const rounds = Number(option("rounds", "5"));
const mode = option("mode", "kill");
const PER_SECOND = 600;
const PARTITIONS = 3;
const TOPIC = "failover";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Acknowledgements as they come: partition and time. */
interface Acks {
  readonly list: readonly { partition: number; ackedMs?: number }[];
  stop(): Promise<void>;
}

function kafkaEdgeAcks(bootstrap: string[]): Acks {
  const producer = new KafkaProducer({ bootstrapServers: bootstrap });
  const stream = pacedStream(producer, TOPIC, { perSecond: PER_SECOND, partitions: PARTITIONS });
  return {
    list: stream.sends,
    async stop() {
      await stream.stop();
      await producer.close();
      const failed = stream.sends.filter((s) => s.error);
      if (failed.length > 0) console.log(`${failed.length} sends failed: ${failed[0].error}`);
    },
  };
}

function javaAcks(bootstrap: string[]): Acks {
  const classes = ".tmp/failover-java";
  if (!existsSync(`${classes}/FailoverProducer.class`)) {
    mkdirSync(classes, { recursive: true });
    execFileSync("javac", [
      ...["-cp", "scripts/kafka/lib/*", "-d", classes],
      "bench/failover/FailoverProducer.java",
    ]);
  }
  const child = spawn("java", [
    ...["-Xmx256m", "-Dlog4j2.configurationFile=scripts/kafka/log4j2.properties"],
    ...["-cp", `scripts/kafka/lib/*:${classes}`, "FailoverProducer"],
    ...[bootstrap.join(","), TOPIC, String(PER_SECOND), String(PARTITIONS)],
  ], { stdio: ["pipe", "pipe", "ignore"] }); // its log: warnings at every retry
  const list: { partition: number; ackedMs?: number }[] = [];
  let errors = 0;
  const done = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const [kind, partition, at] = line.split(" ");
    if (kind === "ack") list.push({ partition: Number(partition), ackedMs: Number(at) });
    else if (kind === "error" && errors++ === 0) console.log(`java: ${line}`);
  });
  return {
    list,
    async stop() {
      child.stdin!.end();
      await done;
      if (errors > 0) console.log(`java: ${errors} sends failed`);
    },
  };
}

/** The longest time partition 0 went without an acknowledgement between `fromMs` and `toMs`. */
function longestGap(acks: Acks["list"], fromMs: number, toMs: number): number {
  const times = acks.filter((a) => a.partition === 0 && a.ackedMs! >= fromMs && a.ackedMs! <= toMs)
    .map((a) => a.ackedMs!).sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  return gap;
}

/** Stops `node` with SIGTERM (a controlled shutdown) and waits until its process is gone. */
async function terminate(cluster: Cluster, node: number): Promise<void> {
  const pid = Number(readFileSync(`${cluster.dir}/node-${node}/pid`, "utf8"));
  process.kill(pid, "SIGTERM");
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
}

const allInSync = async (bootstrap: string[]) => {
  for (let p = 0; p < PARTITIONS; p++) {
    await partitionState(bootstrap, TOPIC, p, (s) => s.leader >= 0 && s.isr.length === 3, 120_000);
  }
};

const cluster = await startCluster(3, "failover-bench");
const { bootstrap } = cluster;
const results: number[] = [];
try {
  await createReplicatedTopics(bootstrap, [{ name: TOPIC, partitions: PARTITIONS }]);
  const acks = client === "java" ? javaAcks(bootstrap) : kafkaEdgeAcks(bootstrap);
  await sleep(5_000); // past start-up
  for (let round = 1; round <= rounds; round++) {
    await allInSync(bootstrap);
    await sleep(2_000);
    const { leader } = await partitionState(bootstrap, TOPIC, 0);
    let ms: number | undefined;
    if (mode === "elect") {
      // Move the leadership away from the preferred replica first (kill, restart), then back.
      const preferred = leader;
      await cluster.kill(preferred);
      await partitionState(bootstrap, TOPIC, 0, (s) => s.leader >= 0 && s.leader !== preferred);
      await cluster.start(preferred);
      await allInSync(bootstrap);
      await sleep(2_000);
      const fromMs = Date.now();
      await kafkaTool("org.apache.kafka.tools.LeaderElectionCommand", [
        ...["--bootstrap-server", bootstrap.join(","), "--election-type", "PREFERRED"],
        ...["--topic", TOPIC, "--partition", "0"],
      ]);
      await partitionState(bootstrap, TOPIC, 0, (s) => s.leader === preferred);
      await sleep(5_000);
      ms = longestGap(acks.list, fromMs, Date.now());
      console.log(`${client} elect round ${round}: node ${preferred}: ${ms} ms`);
      results.push(ms);
      continue;
    }
    if (mode === "term") {
      const fromMs = Date.now();
      await terminate(cluster, leader);
      await sleep(15_000);
      ms = longestGap(acks.list, fromMs - 1_000, Date.now());
    } else {
      await cluster.kill(leader);
      const killedMs = Date.now();
      for (let waited = 0; waited < 120_000 && ms === undefined; waited += 50) {
        ms = firstAckAfter(acks.list, 0, killedMs);
        await sleep(50);
      }
    }
    const shown = ms === undefined ? "no ack within 120 s" : `${ms} ms`;
    console.log(`${client} ${mode} round ${round}: node ${leader}: ${shown}`);
    if (ms !== undefined) results.push(ms);
    await cluster.start(leader);
  }
  await acks.stop();
} finally {
  await cluster.stop();
}
results.sort((a, b) => a - b);
const median = results.length % 2
  ? results[(results.length - 1) / 2]
  : (results[results.length / 2 - 1] + results[results.length / 2]) / 2;
console.log(
  `${client} ${mode}: median ${median} ms over ${results.length} rounds (${results.join(", ")})`,
);
