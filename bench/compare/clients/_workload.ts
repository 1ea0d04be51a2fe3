/**
 * What every JavaScript driver of bench/compare shares: the command line, the send loop and the
 * one JSON line it prints. A driver only says how its client is configured and submits records.
 * (The Java driver, JavaProducer.java, follows the same protocol.)
 *
 * Command line (the same for every driver; compare.ts decides each value):
 *   --bootstrap host:port --topic T --payload FILE (records, one a line: payload.ts)
 *   --acks 1|all --compression none|lz4
 *   [--idempotence true|false]  absent: the client's default
 *   [--batch-bytes N]           the client's batch size setting (absent: its default)
 *   [--buffer-bytes N]          the client's buffer memory setting (absent: its default)
 *   [--linger MS]               the client's linger setting (absent: its default)
 *   --chunk N                   records per submit (the peers' records per send() call)
 *   --max-outstanding N         records submitted and not yet acknowledged, at most
 *   --seconds S                 the counted window: records are submitted for S seconds
 *   --warmup-seconds W          submitted first and acknowledged before the window opens
 *   [--rate R]                  records per second (latency runs); 0 or absent: full speed
 *
 * The window runs from the first counted submit to the last acknowledgement; closing the client
 * comes after it. CPU is the process's user+sys (every thread) over the window, from
 * process.cpuUsage(); peak RSS is the kernel's high-water mark (VmHWM) when the window closes.
 *
 * This file also runs under Node 22's type stripping (the peer drivers): plain TypeScript only.
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { readPayload } from "../payload.ts";

export interface Workload {
  bootstrap: string[];
  topic: string;
  payload: Uint8Array[];
  /** Bytes of every payload record. */
  size: number;
  acks: "1" | "all";
  compression: "none" | "lz4";
  idempotence: boolean | undefined;
  batchBytes: number | undefined;
  bufferBytes: number | undefined;
  lingerMs: number | undefined;
  chunk: number;
  maxOutstanding: number;
  seconds: number;
  warmupSeconds: number;
  /** Records per second; 0 = as fast as the client goes. */
  rate: number;
}

/** Called when `count` submitted records were acknowledged (or failed, with `error`). */
export type Acked = (count: number, error?: unknown) => void;

export interface BenchClient {
  /**
   * Submits records `first` to `first + count - 1` (record i's value: payload[i % length]);
   * `acked` is called as they are acknowledged (maybe in parts).
   */
  submit(first: number, count: number, acked: Acked): void;
  /** Sends what is buffered and closes. */
  close(): Promise<void>;
  /** Uncompressed bytes per batch sent in the window, when the client can tell. */
  batchBytes?(): number | undefined;
  /** Marks the start of the window (for batchBytes). */
  windowOpened?(): void;
}

/** The one line a driver prints. */
export interface RunResult {
  client: string;
  runtime: string;
  /** What the client was configured with (for the report). */
  settings: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  cpuSeconds: number;
  /** CPU microseconds per record in the window. */
  cpuMicrosPerRecord: number;
  peakRssMiB: number;
  batchBytes?: number;
  failed: number;
  firstError?: string;
  rate: number;
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
  const optional = (name: string): number | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? Number(argv[index + 1]) : undefined;
  };
  const acks = option("acks", "all");
  const compression = option("compression", "none");
  if (acks !== "1" && acks !== "all") {
    throw new Error(`--acks must be 1 or all, not ${acks}`);
  }
  if (compression !== "none" && compression !== "lz4") {
    throw new Error(`--compression must be none or lz4, not ${compression}`);
  }
  const idempotence = argv.indexOf("--idempotence") >= 0
    ? option("idempotence") === "true"
    : undefined;
  const payload = readPayload(option("payload"));
  return {
    bootstrap: option(
      "bootstrap",
      process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092",
    ).split(","),
    topic: option("topic"),
    payload,
    size: payload[0].length,
    acks,
    compression,
    idempotence,
    batchBytes: optional("batch-bytes"),
    bufferBytes: optional("buffer-bytes"),
    lingerMs: optional("linger"),
    chunk: Number(option("chunk", "1000")),
    maxOutstanding: Number(option("max-outstanding", "65536")),
    seconds: Number(option("seconds", "5")),
    warmupSeconds: Number(option("warmup-seconds", "1")),
    rate: Number(option("rate", "0")),
  };
}

export function runtimeName(): string {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun) return `bun ${versions.bun}`;
  if (versions.deno) return `deno ${versions.deno}`;
  return `node ${process.versions.node}`;
}

/** The process's peak resident set so far (Linux: VmHWM), in MiB. */
function peakRssMiB(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  const kib = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? NaN);
  return kib / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the workload on `client` and returns the result line (the caller prints it). At full
 * speed, submits `chunk` records at a time while fewer than `maxOutstanding` are unacknowledged;
 * at a fixed rate, every millisecond submits what is due as one unit and records each one's
 * latency from its submit to its acknowledgement.
 */
export async function runWorkload(
  client: BenchClient,
  workload: Workload,
  settings: string,
): Promise<Omit<RunResult, "client">> {
  let submitted = 0;
  let acked = 0;
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

  /** Full speed until `until` (performance.now()), as the feeding allows. */
  const fullSpeed = async (until: number) => {
    while (performance.now() < until) {
      const count = workload.chunk;
      await waitUntil(() => submitted - acked + count <= workload.maxOutstanding);
      client.submit(submitted, count, onAcked);
      submitted += count;
      // A client that acknowledges synchronously would starve timers: yield now and then.
      if (submitted % (count * 64) === 0) await sleep(0);
    }
  };

  const rate = workload.rate;
  const latencies = new Float32Array(
    rate > 0 ? Math.ceil(rate * (workload.seconds + 1)) : 0,
  );
  let latencyCount = 0;
  /** At `rate` until `until`; latencies are kept when `keep`. */
  /**
   * At `rate` until `until`; latencies are kept when `keep`. Records due are submitted every
   * millisecond, at most `chunk` per call and never more than `maxOutstanding` unacknowledged: a
   * client that falls behind has its records wait (memory stays bounded) and the wait counts in
   * their latency, which runs from when each record was due, not from when it was submitted.
   */
  const fixedRate = (until: number, keep: boolean) =>
    new Promise<void>((done) => {
      const started = performance.now();
      const base = submitted;
      const last = base + Math.floor(((until - started) / 1000) * rate);
      const tick = () => {
        const now = performance.now();
        const due = Math.min(last, base + Math.floor(((now - started) / 1000) * rate));
        while (due > submitted && submitted - acked < workload.maxOutstanding) {
          const count = Math.min(
            due - submitted,
            workload.chunk,
            workload.maxOutstanding - (submitted - acked),
          );
          let nextIndex = submitted - base;
          client.submit(submitted, count, (n, error) => {
            if (keep) {
              const ackedAt = performance.now();
              for (let i = 0; i < n && latencyCount < latencies.length; i++) {
                latencies[latencyCount++] = ackedAt - (started + (nextIndex++ / rate) * 1000);
              }
            }
            onAcked(n, error);
          });
          submitted += count;
        }
        if (submitted < last) setTimeout(tick, 1);
        else done();
      };
      tick();
    });

  // Warm-up: connections, metadata, JIT; acknowledged before the window opens.
  const warmupEnd = performance.now() + workload.warmupSeconds * 1000;
  if (rate > 0) await fixedRate(warmupEnd, false);
  else await fullSpeed(warmupEnd);
  await waitUntil(() => acked === submitted);

  const firstCounted = submitted;
  client.windowOpened?.();
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const windowEnd = started + workload.seconds * 1000;
  if (rate > 0) await fixedRate(windowEnd, true);
  else await fullSpeed(windowEnd);
  await waitUntil(() => acked === submitted);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const peakRss = peakRssMiB();
  const batchBytes = client.batchBytes?.();
  const counted = submitted - firstCounted;
  await client.close();

  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const sorted = latencies.subarray(0, latencyCount).sort();
  const percentile = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
  return {
    runtime: runtimeName(),
    settings,
    records: counted,
    seconds,
    recordsPerSecond: counted / seconds,
    mbPerSecond: (counted * workload.size) / seconds / 1e6,
    cpuSeconds,
    cpuMicrosPerRecord: (cpuSeconds / counted) * 1e6,
    peakRssMiB: peakRss,
    ...(batchBytes === undefined ? {} : { batchBytes }),
    failed,
    ...(firstError === undefined ? {} : { firstError: String(firstError) }),
    rate,
    ...(rate > 0 ? { p50Ms: percentile(0.5), p99Ms: percentile(0.99) } : {}),
  };
}
