/**
 * The `kafka-edge` command-line producer: reads lines from stdin and produces them to a topic,
 * like kcat's producer mode, with a live progress line on a terminal and a summary at the end.
 * Exits with 1 if any record failed, 2 on a bad command line or configuration.
 *
 * @example
 * ```sh
 * printf 'user-1:signed in\nuser-2:signed out\n' |
 *   deno run -A jsr:@kafka-edge/producer/cli --bootstrap-server 127.0.0.1:9092 --topic events -K :
 * ```
 *
 * @module
 */

import process from "node:process";
import { runCli } from "./src/cli/run.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  writeError: (text) => process.stderr.write(text),
  stderrIsTerminal: process.stderr.isTTY === true,
});
