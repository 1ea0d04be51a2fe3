/**
 * The `kafka-edge` command-line producer: reads lines from stdin (or a file) and produces them to
 * a topic, like kcat's producer mode, with a live progress line on a terminal and a summary at the
 * end. `kafka-edge --help` lists the flags.
 * Exits with 1 if any record failed, 2 on a bad command line or configuration, 130 when Ctrl-C
 * stopped the reading (what was read is still delivered; a second Ctrl-C exits at once).
 *
 * @example
 * ```sh
 * printf 'user-1:signed in\nuser-2:signed out\n' |
 *   deno run -A jsr:@kafka-edge/producer/cli --bootstrap-server 127.0.0.1:9092 --topic events -K :
 * ```
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import process from "node:process";
import { EXIT_INTERRUPTED, runCli } from "./src/cli/run.ts";

let interrupts = 0;
let interrupt = () => {};
const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
const onSigint = () => {
  if (++interrupts > 1) process.exit(EXIT_INTERRUPTED);
  interrupt();
};
process.on("SIGINT", onSigint);

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  readFileChunks: (path) => createReadStream(path),
  readFile: (path) => readFile(path),
  writeOutput: (text) => process.stdout.write(text),
  writeError: (text) => process.stderr.write(text),
  stderrIsTerminal: process.stderr.isTTY === true,
  interrupted,
});
// After an interrupt, a read of stdin is still pending and would keep the process alive.
if (code === EXIT_INTERRUPTED) process.exit(code);
process.exitCode = code;
// A signal listener keeps some runtimes' event loop alive.
process.off("SIGINT", onSigint);
