/**
 * The command line of the `kafka-edge` producer CLI, parsed into producer settings and what to do
 * with each input line. Flags follow kcat's producer mode where kcat has one (`-b`, `-t`, `-p`,
 * `-k`, `-K`, `-D`, `-H`, `-l`, `-X`, `-V`), with long names for the common producer settings.
 *
 * @module
 */

import type { ProducerConfig } from "../producer/config.ts";

/** The command line is wrong: the CLI prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What the CLI was asked to do. */
export interface CliOptions {
  /** Settings handed to the producer as they are; the producer validates them. */
  config: Record<string, unknown> & Pick<ProducerConfig, "bootstrapServers">;
  topic: string;
  partition: number | undefined;
  /** Splits each line into key and value at its first occurrence; no key without it. */
  keySeparator: Uint8Array | undefined;
  /** The key of every record without one of its own (from `keySeparator`). */
  fixedKey: Uint8Array | undefined;
  /** Ends each record of the input: "\n" unless `-D` says otherwise. */
  delimiter: Uint8Array;
  /** Files to read instead of stdin: with `lines`, one file cut at `delimiter`; else one record each. */
  files: string[];
  /** `-l`: the one file in `files` holds records separated by `delimiter`, as stdin does. */
  lines: boolean;
  /** The same headers on every record, in the order given. */
  headers: [string, string][];
  /** Live progress line on stderr: forced on or off, or (undefined) when stderr is a terminal. */
  progress: boolean | undefined;
  /** No summary at the end (errors are still reported). */
  quiet: boolean;
  help: boolean;
  /** Print the version and exit. */
  version: boolean;
}

export const USAGE =
  `Usage: kafka-edge --bootstrap-server HOST:PORT --topic TOPIC [options] [FILE...]

Reads records from stdin, one per line (empty lines are skipped), and produces them to TOPIC.
With FILEs, each file is one record; with -l FILE, the file's lines are. Exits with 1 if any
record failed, 2 on a bad command line or configuration.

  -b, --bootstrap-server LIST  brokers, host:port[,host:port...]
  -t, --topic TOPIC            topic to produce to
  -p, --partition N            partition (default: by key, sticky without key)
  -K, --key-separator SEP      the line's text before the first SEP is the key, the rest the value
  -k, --key KEY                the key of every record that -K gives none
  -D, --delimiter DELIM        what ends a record in the input (default \\n)
  -l, --lines                  the one FILE holds records separated by DELIM, as stdin would
  -H, --header NAME=VALUE      a header on every record (repeatable)
      --acks 0|1|all           default all
      --compression TYPE       none, gzip, snappy, lz4 or zstd (compressionType)
      --linger-ms MS           lingerMs
      --batch-size BYTES       batchSize
  -X, --property NAME=VALUE    any producer setting, camelCase (lingerMs) or Java style (linger.ms)
      --progress, --no-progress  live progress line on stderr (default: when stderr is a terminal)
  -q, --quiet                  no summary at the end
  -V, --version                print the version
  -h, --help                   this text

SEP and DELIM may hold \\n, \\t and \\xHH escapes, as kcat's do.`;

const encoder = new TextEncoder();

/** kcat's delimiter escapes: `\n`, `\t` and `\xHH` (one byte); other text as UTF-8. */
export function parseDelimiter(text: string, flag: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length;) {
    const escape = text.slice(i, i + 2);
    if (escape === "\\n" || escape === "\\t") {
      bytes.push(escape === "\\n" ? 0x0a : 0x09);
      i += 2;
    } else if (escape === "\\x") {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2))?.[0];
      if (!hex) throw new UsageError(`${flag}: \\x expects a hex number in "${text}"`);
      bytes.push(parseInt(hex, 16));
      i += 2 + hex.length;
    } else {
      const char = String.fromCodePoint(text.codePointAt(i)!);
      bytes.push(...encoder.encode(char));
      i += char.length;
    }
  }
  if (bytes.length === 0) throw new UsageError(`${flag} needs a non-empty separator`);
  return new Uint8Array(bytes);
}

/** Java style (`max.block.ms`) to this package's camelCase (`maxBlockMs`); camelCase unchanged. */
export function configName(name: string): string {
  return name.replace(/[.-]([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** A `-X` value as the setting expects it: numbers and booleans typed, broker lists split. */
function configValue(name: string, text: string): unknown {
  if (name === "bootstrapServers") return text.split(",");
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  return text;
}

function splitPair(text: string, flag: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag} expects an integer, got "${text}"`);
  return Number(text);
}

/** Parses the arguments after the program name; throws {@link UsageError} when they are wrong. */
export function parseOptions(args: readonly string[]): CliOptions {
  const config: Record<string, unknown> = {};
  let topic: string | undefined;
  let partition: number | undefined;
  let keySeparator: Uint8Array | undefined;
  let fixedKey: Uint8Array | undefined;
  let delimiter: Uint8Array = encoder.encode("\n");
  const files: string[] = [];
  let lines = false;
  let version = false;
  const headers: [string, string][] = [];
  let progress: boolean | undefined;
  let quiet = false;
  let help = false;

  for (let i = 0; i < args.length; i++) {
    let flag = args[i];
    let inline: string | undefined;
    const equals = flag.indexOf("=");
    if (flag.startsWith("--") && equals > 0) {
      inline = flag.slice(equals + 1);
      flag = flag.slice(0, equals);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= args.length) throw new UsageError(`${flag} needs a value`);
      return args[++i];
    };
    switch (flag) {
      case "-b":
      case "--bootstrap-server":
        config.bootstrapServers = value().split(",");
        break;
      case "-t":
      case "--topic":
        topic = value();
        break;
      case "-p":
      case "--partition":
        partition = integer(value(), flag);
        break;
      case "-K":
      case "--key-separator":
        keySeparator = parseDelimiter(value(), flag);
        break;
      case "-k":
      case "--key":
        fixedKey = encoder.encode(value());
        break;
      case "-D":
      case "--delimiter":
        delimiter = parseDelimiter(value(), flag);
        break;
      case "-l":
      case "--lines":
        lines = true;
        break;
      case "-H":
      case "--header":
        headers.push(splitPair(value(), flag));
        break;
      case "--acks": {
        const acks = value();
        config.acks = acks === "all" ? "all" : integer(acks, flag);
        break;
      }
      case "--compression":
        config.compressionType = value();
        break;
      case "--linger-ms":
        config.lingerMs = integer(value(), flag);
        break;
      case "--batch-size":
        config.batchSize = integer(value(), flag);
        break;
      case "-X":
      case "--property": {
        const [name, text] = splitPair(value(), flag);
        const field = configName(name);
        config[field] = configValue(field, text);
        break;
      }
      case "--progress":
        progress = true;
        break;
      case "--no-progress":
        progress = false;
        break;
      case "-q":
      case "--quiet":
        quiet = true;
        break;
      case "-h":
      case "--help":
        help = true;
        break;
      case "-V":
      case "--version":
        version = true;
        break;
      default:
        if (flag.startsWith("-")) throw new UsageError(`unknown option "${flag}"`);
        files.push(flag);
    }
  }
  if (!help && !version) {
    if (config.bootstrapServers === undefined) {
      throw new UsageError("--bootstrap-server is required");
    }
    if (topic === undefined) throw new UsageError("--topic is required");
    if (lines && files.length !== 1) {
      throw new UsageError(`-l reads exactly one FILE, not ${files.length}`);
    }
  }
  return {
    config: config as CliOptions["config"],
    topic: topic ?? "",
    partition,
    keySeparator,
    fixedKey,
    delimiter,
    files,
    lines,
    headers,
    progress,
    quiet,
    help,
    version,
  };
}
