/**
 * What every JavaScript client driver of bench/compare shares: the command line, the send loop
 * (as fast as allowed, or at a fixed rate for ack latency) and the one JSON line it prints. A
 * driver only says how its client submits records and what it calls the client.
 *
 * Command line (the same for every driver):
 *   --bootstrap host:port --topic T --records N --size BYTES --acks 1|all --compression none|lz4
 *   [--rate RECORDS_PER_S]   (0 or absent: as fast as the client goes)
 *   [--warmup-records W]     (the first W of the N records are not counted, as in Java's
 *                             ProducerPerformance: the clock starts once they are acknowledged,
 *                             and at a fixed rate their latencies are left out)
 * acks all means the idempotent producer; acks 1 means idempotence off.
 *
 * This file is also run by Node 22's type stripping (the peer drivers): plain TypeScript only
 * (no enums, no parameter properties, `import type` for types).
 */

import process from "node:process";

export interface Workload {
  bootstrap: string[];
  topic: string;
  records: number;
  size: number;
  acks: "1" | "all";
  compression: "none" | "lz4";
  /** Records per second; 0 = as fast as the client goes. */
  rate: number;
  /** The first records, not counted in the figures (JIT and connection warm-up). */
  warmupRecords: number;
}

/** Called when `count` submitted records were acknowledged (or failed, with `error`). */
export type Acked = (count: number, error?: unknown) => void;

export interface BenchClient {
  /** Submits `count` records now; `acked` is called once they are acknowledged (maybe in parts). */
  submit(count: number, acked: Acked): void;
  /** Sends what is buffered and closes. */
  close(): Promise<void>;
}

/** How a driver wants to be fed. */
export interface Feeding {
  /** Records per `submit()` call at full speed. */
  chunk: number;
  /** Most records submitted and not yet acknowledged at full speed. */
  maxOutstanding: number;
}

/** The one line a driver prints. */
export interface RunResult {
  client: string;
  runtime: string;
  records: number;
  warmupRecords: number;
  size: number;
  rate: number;
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  failed: number;
  firstError?: string;
  p50Ms?: number;
  p99Ms?: number;
  /** Set (and nothing measured) when the client cannot run this workload. */
  unsupported?: string;
}

export function parseWorkload(argv: string[] = process.argv): Workload {
  const option = (name: string, fallback?: string): string => {
    const index = argv.indexOf(`--${name}`);
    const value = index >= 0 ? argv[index + 1] : fallback;
    if (value === undefined) throw new Error(`--${name} is required`);
    return value;
  };
  const acks = option("acks", "1");
  const compression = option("compression", "none");
  if (acks !== "1" && acks !== "all") {
    throw new Error(`--acks must be 1 or all, not ${acks}`);
  }
  if (compression !== "none" && compression !== "lz4") {
    throw new Error(`--compression must be none or lz4, not ${compression}`);
  }
  return {
    bootstrap: option(
      "bootstrap",
      process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092",
    ).split(","),
    topic: option("topic"),
    records: Number(option("records", "100000")),
    size: Number(option("size", "100")),
    acks,
    compression,
    rate: Number(option("rate", "0")),
    warmupRecords: Number(option("warmup-records", "0")),
  };
}

export function runtimeName(): string {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun) return `bun ${versions.bun}`;
  if (versions.deno) return `deno ${versions.deno}`;
  return `node ${process.versions.node}`;
}

/**
 * A record value of `size` random capital letters, as Java's ProducerPerformance makes its payload
 * (so lz4 gets the same kind of data everywhere). The same value goes in every record, there too.
 */
export function recordValue(size: number): Uint8Array {
  let seed = 42;
  return Uint8Array.from({ length: size }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // a fixed LCG: the same bytes every run
    return 65 + (seed >>> 16) % 26;
  });
}

/**
 * Runs the workload on `client` and returns the result line (the caller prints it). At full
 * speed the clock runs from the first submit to the last acknowledgement; at a fixed rate every
 * record's latency runs from its submit to its acknowledgement.
 */
export async function runWorkload(
  client: BenchClient,
  workload: Workload,
  feeding: Feeding,
): Promise<Omit<RunResult, "client">> {
  const total = workload.records;
  const warmup = Math.min(workload.warmupRecords, total - 1);
  const latencies = new Float64Array(workload.rate > 0 ? total : 0);
  let submitted = 0;
  let acked = 0;
  let latencyCount = 0;
  let failed = 0;
  let firstError: unknown;
  let waiting: { until: () => boolean; resolve: () => void } | undefined;
  const waitUntil = (until: () => boolean) =>
    until() ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { until, resolve }));
  const onAcked = (count: number, error?: unknown) => {
    acked += count;
    if (error !== undefined) {
      failed += count;
      firstError ??= error;
    }
    if (waiting?.until()) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve();
    }
  };

  let started = performance.now();
  if (workload.rate > 0) {
    // Fixed rate: every millisecond, submit what is due by now as one unit.
    await new Promise<void>((done) => {
      const tick = () => {
        const now = performance.now();
        const due = Math.min(
          total,
          Math.floor(((now - started) / 1000) * workload.rate),
        );
        if (due > submitted) {
          const count = due - submitted;
          // Records of one submit share a latency: only how many of them count matters.
          let toCount = due - Math.max(submitted, warmup);
          submitted = due;
          client.submit(count, (n, error) => {
            const latency = performance.now() - now;
            const counted = Math.max(0, Math.min(n, toCount));
            toCount -= counted;
            for (let i = 0; i < counted; i++) latencies[latencyCount++] = latency;
            onAcked(n, error);
          });
        }
        if (submitted < total) setTimeout(tick, 1);
        else done();
      };
      tick();
    });
  } else {
    while (submitted < total) {
      if (submitted === warmup && warmup > 0) {
        await waitUntil(() => acked === warmup);
        started = performance.now();
      }
      const count = Math.min(
        feeding.chunk,
        total - submitted,
        warmup > submitted ? warmup - submitted : Infinity,
      );
      await waitUntil(() => submitted - acked + count <= feeding.maxOutstanding);
      client.submit(count, onAcked);
      submitted += count;
    }
  }
  await waitUntil(() => acked === total);
  const seconds = (performance.now() - started) / 1000;
  const counted = workload.rate > 0 ? total : total - warmup;
  await client.close();

  const sorted = latencies.subarray(0, latencyCount).sort();
  const percentile = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
  return {
    runtime: runtimeName(),
    records: total,
    warmupRecords: warmup,
    size: workload.size,
    rate: workload.rate,
    seconds,
    recordsPerSecond: counted / seconds,
    mbPerSecond: (counted * workload.size) / seconds / 1e6,
    failed,
    ...(firstError === undefined ? {} : { firstError: String(firstError) }),
    ...(workload.rate > 0 ? { p50Ms: percentile(0.5), p99Ms: percentile(0.99) } : {}),
  };
}
