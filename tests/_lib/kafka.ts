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

/** Runs kcat with the given arguments and returns its stdout as bytes. */
export function kcat(args: readonly string[], timeoutMs = 30_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    execFile(
      "kcat",
      ["-b", bootstrapServers().join(","), ...args],
      { encoding: "buffer", timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`kcat ${args.join(" ")} failed: ${stderr}`, { cause: error }));
        else resolve(new Uint8Array(stdout));
      },
    );
  });
}
