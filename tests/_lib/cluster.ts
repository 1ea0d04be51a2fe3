/**
 * What the failure tests and the failover bench need on a cluster of their own: a cluster started
 * with broker.sh in a temporary folder, the leader and in-sync replicas of a partition as the
 * brokers report them, and a stream of records sent at a steady pace whose acknowledgement times
 * are kept (to measure how long a partition went without one).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaAdmin, type KafkaProducer, type RecordMetadata } from "../../mod.ts";
import { brokerSh, readTopic } from "./kafka.ts";

/** A cluster started in a temporary folder. */
export interface Cluster {
  dir: string;
  bootstrap: string[];
  kill(node: number): Promise<void>;
  start(node: number): Promise<void>;
  /** Stops every node and removes the folder. */
  stop(): Promise<void>;
}

/** Starts `nodes` combined KRaft nodes on free ports (`broker.sh start --port auto`). */
export async function startCluster(nodes: 1 | 3, name: string): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), `kafka-edge-${name}-`));
  const started = await brokerSh([
    "start",
    "--dir",
    dir,
    "--nodes",
    String(nodes),
    "--port",
    "auto",
  ])
    .catch((error) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
  const node = (n: number) => ["--dir", dir, "--node", String(n)];
  return {
    dir,
    bootstrap: started.trim().split(","),
    kill: async (n) => void await brokerSh(["kill-node", ...node(n)]),
    start: async (n) => void await brokerSh(["start-node", ...node(n)]),
    async stop() {
      await brokerSh(["stop", "--dir", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A partition as the brokers report it. */
export interface PartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

/** The partition's state once `ready` holds for it (polling Metadata), failing after `ms`. */
export async function partitionState(
  bootstrap: readonly string[],
  topic: string,
  partition: number,
  ready: (state: PartitionState) => boolean = (s) => s.leader >= 0,
  ms = 60_000,
): Promise<PartitionState> {
  const admin = await KafkaAdmin.connect({ bootstrapServers: [...bootstrap] });
  try {
    const deadline = Date.now() + ms;
    let last: PartitionState | undefined;
    for (;;) {
      const metadata = await admin.metadata([topic]).catch(() => undefined);
      const p = metadata?.topics[0]?.partitions.find((p) => p.partitionIndex === partition);
      if (p && p.errorCode === 0) {
        last = { leader: p.leaderId, leaderEpoch: p.leaderEpoch, isr: p.isrNodes };
        if (ready(last)) return last;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${topic}-${partition} not as wanted within ${ms} ms: ${JSON.stringify(last)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    admin.close();
  }
}

/** Creates topics with replication factor `replicas` and min.insync.replicas `minInSync`. */
export async function createReplicatedTopics(
  bootstrap: readonly string[],
  topics: readonly { name: string; partitions: number }[],
  replicas = 3,
  minInSync = Math.min(2, replicas),
): Promise<void> {
  const admin = await KafkaAdmin.connect({ bootstrapServers: [...bootstrap] });
  try {
    await admin.createTopics(topics.map(({ name, partitions }) => ({
      name,
      numPartitions: partitions,
      replicationFactor: replicas,
      configs: { "min.insync.replicas": String(minInSync) },
    })));
  } finally {
    admin.close();
  }
  for (const { name, partitions } of topics) {
    for (let p = 0; p < partitions; p++) {
      await partitionState(bootstrap, name, p, (s) => s.leader >= 0 && s.isr.length === replicas);
    }
  }
}

/** One record of a paced stream and what became of it. */
export interface PacedSend {
  value: string;
  partition: number;
  /** Date.now() when its promise resolved, or undefined. */
  ackedMs?: number;
  meta?: RecordMetadata;
  error?: Error;
  done: Promise<void>;
}

/** A stream of records sent at a steady pace until stopped. */
export interface PacedStream {
  readonly sends: readonly PacedSend[];
  /** Stops sending and waits until every send has settled. */
  stop(): Promise<void>;
}

/**
 * Sends `perSecond` records to `topic`, in ticks of 10 ms, record i to partition
 * `i % partitions` with value `${prefix}${i}`, until stopped.
 */
export function pacedStream(
  producer: KafkaProducer,
  topic: string,
  options: { perSecond: number; partitions: number; prefix?: string },
): PacedStream {
  const sends: PacedSend[] = [];
  const started = Date.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      const due = Math.floor(((Date.now() - started) * options.perSecond) / 1000);
      while (sends.length < due) {
        const i = sends.length;
        const send: PacedSend = {
          value: `${options.prefix ?? ""}${i}`,
          partition: i % options.partitions,
          done: Promise.resolve(),
        };
        send.done = producer.send({ topic, partition: send.partition, value: send.value }).then(
          (meta) => {
            send.meta = meta;
            send.ackedMs = Date.now();
          },
          (error: Error) => void (send.error = error),
        );
        sends.push(send);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    sends,
    async stop() {
      running = false;
      await loop;
      await Promise.all(sends.map((s) => s.done));
    },
  };
}

/** Milliseconds from `sinceMs` to the first acknowledgement of a record of `partition` after it. */
export function firstAckAfter(
  sends: readonly { partition: number; ackedMs?: number }[],
  partition: number,
  sinceMs: number,
): number | undefined {
  let first: number | undefined;
  for (const s of sends) {
    if (s.partition !== partition || s.ackedMs === undefined || s.ackedMs <= sinceMs) continue;
    if (first === undefined || s.ackedMs < first) first = s.ackedMs;
  }
  return first === undefined ? undefined : first - sinceMs;
}

/** What kcat reads of a stream: counts of records sent, acknowledged, read, duplicated, lost. */
export interface StreamVerdict {
  sent: number;
  acknowledged: number;
  failed: number;
  read: number;
  duplicated: string[];
  lost: string[];
  /** Acknowledged at an offset where kcat finds another record. */
  misplaced: string[];
  /** Partitions whose records kcat reads out of send order. */
  reordered: number[];
}

/** Reads the topic with kcat and compares it with the stream's records and their promises. */
export async function judgeStream(
  bootstrap: readonly string[],
  topic: string,
  sends: readonly PacedSend[],
): Promise<StreamVerdict> {
  const read = await readTopic(topic, [], bootstrap);
  const counts = new Map<string, number>();
  for (const r of read) counts.set(r.value!, (counts.get(r.value!) ?? 0) + 1);
  const position = new Map(sends.map((s, i) => [s.value, i]));
  const reordered: number[] = [];
  for (const partition of new Set(read.map((r) => r.partition))) {
    const order = read.filter((r) => r.partition === partition).map((r) => position.get(r.value!)!);
    if (order.some((v, i) => i > 0 && v < order[i - 1])) reordered.push(partition);
  }
  const at = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r.value]));
  const acked = sends.filter((s) => s.meta);
  return {
    sent: sends.length,
    acknowledged: acked.length,
    failed: sends.filter((s) => s.error).length,
    read: read.length,
    duplicated: [...counts].filter(([, n]) => n > 1).map(([v]) => v),
    lost: acked.filter((s) => !counts.has(s.value)).map((s) => s.value),
    misplaced: acked.filter((s) => at.get(`${s.meta!.partition}/${s.meta!.offset}`) !== s.value)
      .map((s) => s.value),
    reordered,
  };
}
