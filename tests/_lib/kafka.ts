/**
 * What integration tests need from the outside world: the broker's address, unique topic
 * names, and the independent consumer (kcat) that checks what was written.
 */

import { execFile } from "node:child_process";
import process from "node:process";

/**
 * The broker the tests talk to. `scripts/test.sh` starts one (or reuses `KAFKA_BOOTSTRAP`)
 * before running the suite; a missing broker is a failure, never a skip.
 */
export function bootstrapServers(): string[] {
  const value = process.env.KAFKA_BOOTSTRAP;
  if (!value) {
    throw new Error("KAFKA_BOOTSTRAP is not set: run the suite with `deno task test`");
  }
  return value.split(",");
}

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Runs kcat with the given arguments (and `input` on its stdin) and returns its stdout. */
export function kcat(
  args: readonly string[],
  timeoutMs = 30_000,
  input?: string,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "kcat",
      ["-b", bootstrapServers().join(","), ...args],
      { encoding: "buffer", timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`kcat ${args.join(" ")} failed: ${stderr}`, { cause: error }));
        else resolve(new Uint8Array(stdout));
      },
    );
    child.stdin?.end(input ?? "");
  });
}

/** A record as kcat read it back. */
export interface ConsumedRecord {
  partition: number;
  offset: bigint;
  timestamp: number;
  key: string | null;
  value: string | null;
  /** kcat's `name=value,...` rendering. */
  headers: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Reads a whole topic with kcat (the independent consumer), every partition to its end.
 * kcat prints key and value byte lengths (%K, %S) first, so both are cut out exactly, whatever
 * bytes they hold. Headers must not contain newlines.
 */
export async function readTopic(
  topic: string,
  extraArgs: readonly string[] = [],
): Promise<ConsumedRecord[]> {
  const out = await kcat([
    "-C",
    "-e",
    "-q",
    "-t",
    topic,
    ...extraArgs,
    "-f",
    "p=%p o=%o t=%T K=%K S=%S k=%k s=%s h=%h\n",
  ]);
  const records: ConsumedRecord[] = [];
  let pos = 0;
  const expect = (text: string) => {
    const bytes = encoder.encode(text);
    for (let i = 0; i < bytes.length; i++) {
      if (out[pos + i] !== bytes[i]) {
        throw new Error(`kcat output: expected "${text}" at byte ${pos}`);
      }
    }
    pos += bytes.length;
  };
  const until = (stop: string) => {
    const end = out.indexOf(stop.charCodeAt(0), pos);
    if (end < 0) throw new Error(`kcat output: no "${stop}" after byte ${pos}`);
    const text = decoder.decode(out.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const bytes = (length: number) => {
    if (length < 0) return null;
    const text = decoder.decode(out.subarray(pos, pos + length));
    pos += length;
    return text;
  };
  while (pos < out.length) {
    expect("p=");
    const partition = Number(until(" "));
    expect("o=");
    const offset = BigInt(until(" "));
    expect("t=");
    const timestamp = Number(until(" "));
    expect("K=");
    const keyLength = Number(until(" "));
    expect("S=");
    const valueLength = Number(until(" "));
    expect("k=");
    const key = bytes(keyLength);
    expect(" s=");
    const value = bytes(valueLength);
    expect(" h=");
    const headers = until("\n");
    records.push({ partition, offset, timestamp, key, value, headers });
  }
  return records;
}

/** Runs one of Kafka's Java tools (`broker.sh tool CLASS ...`) and returns its stdout. */
export function kafkaTool(className: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      ["scripts/kafka/broker.sh", "tool", className, ...args],
      { timeout: 120_000, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${className} failed: ${stderr}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}
