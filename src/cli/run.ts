/**
 * The `kafka-edge` CLI: produces stdin's lines as records, like kcat's producer mode.
 *
 * Input is read in chunks and cut into lines without decoding; every line is handed to `send()`
 * at once (no await per record), and reading pauses while the records not yet acknowledged hold
 * more than `bufferMemory` bytes, so that input of any size runs in bounded memory.
 *
 * @module
 */

import { Deferred } from "../async.ts";
import type { ProducerConfig } from "../producer/config.ts";
import { ConfigError } from "../errors.ts";
import { KafkaProducer } from "../producer/producer.ts";
import type { ProducerRecord } from "../producer/record.ts";
import { LineSplitter } from "./line_splitter.ts";
import { type CliOptions, parseOptions, USAGE, UsageError } from "./options.ts";
import { ProduceStats, ProgressLine, summary } from "./progress.ts";

/** Where the CLI reads and writes. */
export interface CliIo {
  /** The records, one per line. */
  stdin: AsyncIterable<Uint8Array>;
  /** Progress, summary and errors. */
  writeError(text: string): void;
  /** Whether stderr is a terminal (a progress line is shown by default then). */
  stderrIsTerminal: boolean;
  /** Resolves on Ctrl-C: reading stops, and what was read is delivered before exiting. */
  interrupted?: Promise<void>;
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_RECORDS_FAILED = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, as shells report a process interrupted by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** The producer's default `bufferMemory`, used when none is configured. */
const DEFAULT_BUFFER_MEMORY = 32 * 1024 * 1024;
/**
 * Records not yet acknowledged, at most: bounds the promises and closures held for small records,
 * while leaving many full batches per partition in flight.
 */
const MAX_PENDING_RECORDS = 20_000;
/** Bytes counted per record on top of key and value, so that empty values count too. */
const RECORD_OVERHEAD = 64;

/** Runs the CLI with `args` (without the program name); resolves with the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  let producer: KafkaProducer;
  try {
    options = parseOptions(args);
    if (options.help) {
      io.writeError(USAGE + "\n");
      return EXIT_OK;
    }
    producer = new KafkaProducer(options.config as ProducerConfig);
  } catch (error) {
    if (error instanceof UsageError) {
      io.writeError(`kafka-edge: ${error.message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      io.writeError(`kafka-edge: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  const stats = new ProduceStats();
  const showProgress = options.progress ?? io.stderrIsTerminal;
  const progress = showProgress ? new ProgressLine(stats, (text) => io.writeError(text)) : null;
  let interrupted = false;
  try {
    interrupted = await produceLines(producer, options, io, stats);
  } catch (error) {
    // Reading stdin failed: what was read is still delivered, then the run counts as failed.
    stats.recordFailure(error);
  } finally {
    await producer.close();
    progress?.stop();
  }
  if (!options.quiet || stats.failed > 0) io.writeError(summary(stats, options.topic));
  if (stats.failed > 0) {
    io.writeError(`kafka-edge: ${stats.failed} of ${stats.sent} records failed\n`);
    return EXIT_RECORDS_FAILED;
  }
  if (interrupted) {
    io.writeError("kafka-edge: interrupted: the rest of the input was not read\n");
    return EXIT_INTERRUPTED;
  }
  return EXIT_OK;
}

const INTERRUPTED = Symbol("interrupted");

/**
 * Makes waits end early, with {@link INTERRUPTED}, once `interrupted` resolves: Ctrl-C must end
 * a read that waits for input too. (Not `Promise.race` with `interrupted` itself: every race
 * would leave a reaction on that long-pending promise, holding its result, here a stdin chunk,
 * for as long as the run lasts.)
 */
function interruptible(
  interrupted: Promise<void> | undefined,
): <T>(wait: Promise<T>) => Promise<T | typeof INTERRUPTED> {
  let stopped = false;
  let stopWaiting: (() => void) | null = null;
  interrupted?.then(() => {
    stopped = true;
    stopWaiting?.();
  });
  return <T>(wait: Promise<T>) => {
    if (stopped) return Promise.resolve(INTERRUPTED);
    return new Promise<T | typeof INTERRUPTED>((resolve, reject) => {
      const stop = () => resolve(INTERRUPTED);
      stopWaiting = stop;
      const settled = () => {
        if (stopWaiting === stop) stopWaiting = null; // a later wait may have replaced it
      };
      wait.then(resolve, reject).then(settled, settled);
    });
  };
}

/** Sends every line of stdin; resolves true if an interrupt stopped the reading. */
async function produceLines(
  producer: KafkaProducer,
  options: CliOptions,
  io: CliIo,
  stats: ProduceStats,
): Promise<boolean> {
  const limitBytes = typeof options.config.bufferMemory === "number"
    ? options.config.bufferMemory
    : DEFAULT_BUFFER_MEMORY;
  let pendingBytes = 0;
  let pendingRecords = 0;
  let room: Deferred<void> | null = null;

  const settled = (size: number) => {
    pendingBytes -= size;
    pendingRecords--;
    // Resume reading at half the limits, not at the first free byte, to read in long runs.
    if (room && pendingBytes <= limitBytes / 2 && pendingRecords <= MAX_PENDING_RECORDS / 2) {
      room.resolve();
      room = null;
    }
  };
  const send = (line: Uint8Array) => {
    const record = toRecord(line, options);
    const dataBytes = line.length - (record.key === undefined ? 0 : options.keySeparator!.length);
    const size = line.length + RECORD_OVERHEAD;
    pendingBytes += size;
    pendingRecords++;
    stats.sent++;
    producer.send(record).then(
      () => {
        stats.delivered++;
        stats.deliveredBytes += dataBytes;
        settled(size);
      },
      (error) => {
        stats.recordFailure(error);
        settled(size);
      },
    );
  };

  const untilInterrupt = interruptible(io.interrupted);
  const splitter = new LineSplitter();
  const input = io.stdin[Symbol.asyncIterator]();
  for (;;) {
    const next = await untilInterrupt(input.next());
    // The read still pending keeps stdin open: the caller ends the process (see cli.ts).
    if (next === INTERRUPTED) return true; // the unfinished last line is dropped
    if (next.done) break;
    for (const line of splitter.push(next.value)) {
      if (line.length > 0) send(line); // as kcat: empty lines are no records
    }
    if (pendingBytes >= limitBytes || pendingRecords >= MAX_PENDING_RECORDS) {
      room ??= new Deferred<void>();
      if (await untilInterrupt(room.promise) === INTERRUPTED) return true;
    }
  }
  const last = splitter.finish();
  if (last) send(last);
  return false;
}

function toRecord(line: Uint8Array, options: CliOptions): ProducerRecord {
  const record: ProducerRecord = { topic: options.topic, value: line };
  if (options.partition !== undefined) record.partition = options.partition;
  if (options.headers.length > 0) record.headers = options.headers;
  const separator = options.keySeparator;
  if (separator) {
    const at = indexOfBytes(line, separator);
    if (at >= 0) {
      record.key = line.subarray(0, at);
      record.value = line.subarray(at + separator.length);
    }
  }
  return record;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (let at = haystack.indexOf(first); at >= 0; at = haystack.indexOf(first, at + 1)) {
    if (at + needle.length > haystack.length) return -1;
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
  }
  return -1;
}
