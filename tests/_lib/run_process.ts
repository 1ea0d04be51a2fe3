/**
 * Runs a child process with bytes on its stdin and collects its exit code, stdout and stderr:
 * for end-to-end tests of command-line programs.
 */

import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** How a finished process ended. */
export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args`; rejects only if it cannot be started or outlives `timeoutMs`. */
export function runProcess(
  command: string,
  args: readonly string[],
  input: Uint8Array | string,
  options: { timeoutMs?: number; cwd?: string; env?: Record<string, string> } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Uint8Array[] = [];
    const stderr: Uint8Array[] = [];
    child.stdout.on("data", (chunk: Uint8Array) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Uint8Array) => stderr.push(chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} ran longer than ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString("utf8");
      resolve({ code, stdout: text(stdout), stderr: text(stderr) });
    });
    child.stdin.on("error", () => {}); // a child that exits early closes its stdin: not our error
    child.stdin.end(input);
  });
}

/**
 * How to run the package's CLI on the runtime running the tests: `deno run -A cli.ts`,
 * `bun cli.ts`, or `node cli.js` from the Node build (.tmp/node, next to the compiled tests).
 */
export function cliCommand(): [string, string[]] {
  const root = new URL("../../", import.meta.url);
  if ("Deno" in globalThis) {
    return [process.execPath, ["run", "-A", fileURLToPath(new URL("cli.ts", root))]];
  }
  if ("Bun" in globalThis) return [process.execPath, [fileURLToPath(new URL("cli.ts", root))]];
  return [process.execPath, [fileURLToPath(new URL("cli.js", root))]];
}
