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
import { SOFTWARE_NAME, SOFTWARE_VERSION } from "../version.ts";
import { indexOfBytes, LineSplitter } from "./line_splitter.ts";
import { type CliOptions, parseOptions, USAGE, UsageError } from "./options.ts";
import { ProduceStats, ProgressLine, summary } from "./progress.ts";

/** Where the CLI reads and writes. */
export interface CliIo {
  /** The records, one per line. */
  stdin: AsyncIterable<Uint8Array>;
  /** A file's bytes in chunks (`-l FILE`). */
  readFileChunks(path: string): AsyncIterable<Uint8Array>;
  /** A file's bytes whole (FILE without `-l`: one record). */
  readFile(path: string): Promise<Uint8Array>;
  /** What was asked for: the version. */
  writeOutput(text: string): void;
  /** Progress, summary and errors. */
  writeError(text: string): void;
  /** Whether stderr is a terminal (a progress line is shown by default then). */
  stderrIsTerminal: boolean;
  /** Resolves on Ctrl-C: reading stops, and what was read is delivered before exiting. */
  interrupted?: Promise<void>;
}

/** Exit codes. */
const EXIT_OK = 0;
const EXIT_RECORDS_FAILED = 1;
const EXIT_USAGE = 2;
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
    if (options.version) {
      io.writeOutput(`${SOFTWARE_NAME} ${SOFTWARE_VERSION}\n`);
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
    interrupted = await produceInput(producer, options, io, stats);
  } catch (error) {
    // Reading the input failed: what was read is still delivered, then the run counts as failed.
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

/** Sends every record of the input; resolves true if an interrupt stopped the reading. */
async function produceInput(
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
  const send = (record: ProducerRecord<Uint8Array, Uint8Array>) => {
    const dataBytes = (record.key?.length ?? 0) + (record.value?.length ?? 0);
    const size = dataBytes + RECORD_OVERHEAD;
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
  if (options.files.length > 0 && !options.lines) {
    // As kcat: each file is one record, as it is.
    for (const path of options.files) {
      const value = await untilInterrupt(io.readFile(path));
      if (value === INTERRUPTED) return true;
      send(wholeRecord(value, options));
    }
    return false;
  }
  const splitter = new LineSplitter(options.delimiter);
  const source = options.lines ? io.readFileChunks(options.files[0]) : io.stdin;
  const input = source[Symbol.asyncIterator]();
  for (;;) {
    const next = await untilInterrupt(input.next());
    // The read still pending keeps stdin open: the caller ends the process (see cli.ts).
    if (next === INTERRUPTED) return true; // the unfinished last line is dropped
    if (next.done) break;
    for (const line of splitter.push(next.value)) {
      if (line.length > 0) send(lineRecord(line, options)); // as kcat: empty lines are no records
    }
    if (pendingBytes >= limitBytes || pendingRecords >= MAX_PENDING_RECORDS) {
      room ??= new Deferred<void>();
      if (await untilInterrupt(room.promise) === INTERRUPTED) return true;
    }
  }
  const last = splitter.finish();
  if (last) send(lineRecord(last, options));
  return false;
}

/** A record of `value` with the fixed key (`-k`), partition and headers of the command line. */
function wholeRecord(
  value: Uint8Array,
  options: CliOptions,
): ProducerRecord<Uint8Array, Uint8Array> {
  const record: ProducerRecord<Uint8Array, Uint8Array> = { topic: options.topic, value };
  if (options.fixedKey) record.key = options.fixedKey;
  if (options.partition !== undefined) record.partition = options.partition;
  if (options.headers.length > 0) record.headers = options.headers;
  return record;
}

/** A line's record: key and value split at `-K`'s separator when the line has it. */
function lineRecord(line: Uint8Array, options: CliOptions): ProducerRecord<Uint8Array, Uint8Array> {
  const record = wholeRecord(line, options);
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
