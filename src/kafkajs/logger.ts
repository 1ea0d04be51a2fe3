/**
 * kafkajs's logging: five levels, a `logCreator` that turns entries into output (by default one
 * JSON line per entry on the console, as kafkajs prints), `KAFKAJS_LOG_LEVEL` in the environment
 * taking precedence, and the adapter through which kafka-edge's core logs into it.
 *
 * @module
 */

import type { LogFields, Logger as CoreLogger } from "../../mod.ts";

/** kafkajs's log levels. */
export const logLevel = {
  /** Nothing is logged. */
  NOTHING: 0,
  /** Errors only. */
  ERROR: 1,
  /** Errors and warnings. */
  WARN: 2,
  /** Errors, warnings and information (kafkajs's default). */
  INFO: 4,
  /** Everything. */
  DEBUG: 5,
} as const;

/** A value of {@link logLevel}. */
export type LogLevel = (typeof logLevel)[keyof typeof logLevel];

/** What a log line carries besides its level. */
export interface LoggerEntryContent {
  /** ISO 8601 time of the entry. */
  readonly timestamp: string;
  /** The message. */
  readonly message: string;
  /** Structured fields: broker addresses, topics, counts, error messages. */
  readonly [key: string]: unknown;
}

/** One log entry, as a `logCreator`'s function receives it. */
export interface LogEntry {
  /** The component that logged it, e.g. "Producer". */
  namespace: string;
  /** The entry's level. */
  level: LogLevel;
  /** The level's name: "ERROR", "WARN", "INFO" or "DEBUG". */
  label: string;
  /** The message and its fields. */
  log: LoggerEntryContent;
}

/** Makes the function that writes log entries, given the configured level. */
export type LogCreator = (level: LogLevel) => (entry: LogEntry) => void;

/** kafkajs's logger, as `kafka.logger()` and `producer.logger()` return it. */
export interface Logger {
  /** Logs at INFO. */
  info(message: string, extra?: object): void;
  /** Logs at ERROR. */
  error(message: string, extra?: object): void;
  /** Logs at WARN. */
  warn(message: string, extra?: object): void;
  /** Logs at DEBUG. */
  debug(message: string, extra?: object): void;
  /** A logger for a component, optionally at its own level. */
  namespace(namespace: string, level?: LogLevel): Logger;
  /**
   * Changes the root level, which every logger of the same `createLogger` (the root and its
   * namespaces) follows unless it has a level of its own; one made with a level keeps it, even
   * when it is the one called.
   */
  setLogLevel(level: LogLevel): void;
}

const LABELS = ["ERROR", "WARN", "INFO", "DEBUG"] as const;
const LEVEL_OF: Readonly<Record<(typeof LABELS)[number] | "NOTHING", LogLevel>> = logLevel;

/** kafkajs's default `logCreator`: one JSON line per entry on the console. */
export const consoleLogCreator: LogCreator = () => ({ namespace, level, label, log }) => {
  const prefix = namespace ? `[${namespace}] ` : "";
  const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` });
  if (level === logLevel.ERROR) console.error(line);
  else if (level === logLevel.WARN) console.warn(line);
  else if (level === logLevel.INFO) console.info(line);
  else console.log(line);
};

/** `KAFKAJS_LOG_LEVEL` from the environment, where the runtime has one. */
function environmentLevel(): LogLevel | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const name = (env?.KAFKAJS_LOG_LEVEL ?? "").toUpperCase();
  return name in LEVEL_OF ? LEVEL_OF[name as keyof typeof LEVEL_OF] : undefined;
}

/** A kafkajs logger writing through `logCreator`, filtered by `level`. */
export function createLogger(level: LogLevel, logCreator: LogCreator): Logger {
  let rootLevel = environmentLevel() ?? level;
  const write = logCreator(rootLevel);
  const make = (namespace: string, ownLevel: LogLevel | undefined): Logger => {
    const current = () => ownLevel ?? rootLevel;
    const at = (entryLevel: LogLevel, label: string) => (message: string, extra?: object) => {
      if (entryLevel > current()) return;
      write({
        namespace,
        level: entryLevel,
        label,
        log: { timestamp: new Date().toISOString(), logger: "kafkajs", message, ...extra },
      });
    };
    return {
      error: at(logLevel.ERROR, "ERROR"),
      warn: at(logLevel.WARN, "WARN"),
      info: at(logLevel.INFO, "INFO"),
      debug: at(logLevel.DEBUG, "DEBUG"),
      namespace: (name, nameLevel) => make(name, environmentLevel() ?? nameLevel),
      setLogLevel: (newLevel) => {
        rootLevel = newLevel;
      },
    };
  };
  return make("", undefined);
}

/** kafka-edge's core logs into a kafkajs logger (bigints become strings, as JSON needs). */
export function coreLogger(logger: Logger): CoreLogger {
  const fields = (extra: LogFields | undefined) =>
    extra &&
    Object.fromEntries(
      Object.entries(extra).map(([k, v]) => [k, typeof v === "bigint" ? String(v) : v]),
    );
  return {
    debug: (message, extra) => logger.debug(message, fields(extra)),
    info: (message, extra) => logger.info(message, fields(extra)),
    warn: (message, extra) => logger.warn(message, fields(extra)),
    error: (message, extra) => logger.error(message, fields(extra)),
  };
}
